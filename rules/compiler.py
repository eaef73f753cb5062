"""Compile rules to durable_rules ruleset definitions (the JSON form), in safe shards.

The C core has hard limits (ENGINE_NOTES.md): more than 64 condition nodes matching one
fact in one ruleset fails with error 303 or a segfault, and too many distinct first
conditions freezes `create_ruleset`. So rules are packed into shards of at most
`SHARD_LEAF_LIMIT` leaves. A rule too large for one shard is split along its tree into
*parts*; the rule fires when its parts combine to true (`Plan`), decided in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rules.schema import AllOf, AnyOf, Condition, Leaf, Rule

SHARD_LEAF_LIMIT = 64

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


@dataclass(frozen=True)
class PartRef:
    """True when the engine reports part `name` fired."""

    name: str


@dataclass(frozen=True)
class Combine:
    """All (`every=True`) or any of `children` are true."""

    every: bool
    children: tuple[Plan, ...]


Plan = PartRef | Combine


@dataclass
class Shard:
    definition: dict = field(default_factory=dict)
    leaves: int = 0


@dataclass
class CompiledRuleset:
    """A ruleset ready to load: engine shards, and how to read their results back."""

    version: int
    shards: list[dict]
    plans: dict[str, Plan]  # rule slug -> plan, for rules the engine decides
    always: list[str]  # rules with no conditions: they always fire
    order: list[str]  # every enabled rule slug, in rule order
    fields: frozenset[str]  # the only facts any shard reads
    # Field name -> the short key the shards use for it. The engine echoes the whole fact
    # in every action it reports, so short keys make each of those cheaper.
    keys: dict[str, str]

    def __post_init__(self) -> None:
        # Most rules are one part named by their slug: a set lookup decides them. Only the
        # few that fired are then put in rule order, rather than walking every rule.
        self._composite = {slug: plan for slug, plan in self.plans.items()
                           if not isinstance(plan, PartRef) or plan.name != slug}
        self._single = frozenset(self.plans) - self._composite.keys()
        self._position = {slug: i for i, slug in enumerate(self.order)}

    def fired(self, fired_parts: set[str]) -> list[str]:
        """Slugs of the rules that fired, in rule order, given the parts the engine reported."""
        hits = [*(part for part in fired_parts if part in self._single), *self.always]
        hits += [slug for slug, plan in self._composite.items() if decide(plan, fired_parts)]
        return sorted(hits, key=self._position.__getitem__)


def leaf_count(condition: Condition) -> int:
    """Engine condition nodes a condition needs (`in` expands to one per value)."""
    if isinstance(condition, Leaf):
        return len(condition.value) if condition.op == "in" else 1
    children = condition.all if isinstance(condition, AllOf) else condition.any
    return sum(leaf_count(c) for c in children)


def to_durable(condition: Condition, keys: dict[str, str] | None = None) -> dict:
    """One condition tree as a durable_rules expression (fields renamed by `keys`)."""
    if isinstance(condition, Leaf):
        key = keys[condition.field] if keys else condition.field
        if condition.op == "==":
            return {key: condition.value}
        if condition.op == "in":  # durable_rules has no $in
            terms = [{key: v} for v in condition.value]
            return terms[0] if len(terms) == 1 else {"$or": terms}
        return {_OPS[condition.op]: {key: condition.value}}
    every = isinstance(condition, AllOf)
    terms = [to_durable(c, keys) for c in (condition.all if every else condition.any)]
    if len(terms) == 1:
        return terms[0]
    return {"$and" if every else "$or": terms}


def short_keys(fields: set[str]) -> dict[str, str]:
    """A short, stable engine key per field: a..z, then a1..z1, and so on."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    # Never "id" or "sid" (reserved by durable_rules): one letter, or a letter and digits.
    return {name: letters[i % 26] + (str(i // 26) if i >= 26 else "")
            for i, name in enumerate(sorted(fields))}


def _fields(condition: Condition) -> set[str]:
    if isinstance(condition, Leaf):
        return {condition.field}
    children = condition.all if isinstance(condition, AllOf) else condition.any
    return set().union(*(_fields(c) for c in children))


def split(condition: Condition, name: str, limit: int) -> tuple[Plan, list[tuple[str, Condition]]]:
    """Break `condition` into parts of at most `limit` leaves, and the plan joining them."""
    if leaf_count(condition) <= limit:
        return PartRef(name), [(name, condition)]
    if isinstance(condition, Leaf):  # an `in` with more values than a shard can hold
        values = condition.value
        chunks = [values[i : i + limit] for i in range(0, len(values), limit)]
        condition = AnyOf(any=[Leaf(field=condition.field, op="in", value=c) for c in chunks])
    every = isinstance(condition, AllOf)
    children = condition.all if every else condition.any
    # Pack small children together so a big rule costs as few parts as possible.
    groups: list[list[Condition]] = [[]]
    size = 0
    for child in children:
        n = leaf_count(child)
        if groups[-1] and size + n > limit:
            groups.append([])
            size = 0
        groups[-1].append(child)
        size += n
    plans, parts = [], []
    for i, group in enumerate(groups):
        sub = group[0] if len(group) == 1 else AllOf(all=group) if every else AnyOf(any=group)
        plan, sub_parts = split(sub, f"{name}.{i}", limit)
        plans.append(plan)
        parts += sub_parts
    return Combine(every, tuple(plans)), parts


def compile_ruleset(
    rules: list[Rule], version: int, leaf_limit: int = SHARD_LEAF_LIMIT
) -> CompiledRuleset:
    """Compile the enabled rules of one version into shards within the engine's limits."""
    enabled = [r for r in rules if r.enabled]
    plans: dict[str, Plan] = {}
    always: list[str] = []
    parts: list[tuple[str, Condition]] = []
    fields: set[str] = set()
    for rule in enabled:
        if isinstance(rule.conditions, AllOf) and not rule.conditions.all:
            always.append(rule.slug)
            continue
        plan, rule_parts = split(rule.conditions, rule.slug, leaf_limit)
        plans[rule.slug] = plan
        parts += rule_parts
        fields |= _fields(rule.conditions)
    keys = short_keys(fields)
    shards: list[Shard] = [Shard()]
    for name, condition in parts:
        n = leaf_count(condition)
        if shards[-1].leaves and shards[-1].leaves + n > leaf_limit:
            shards.append(Shard())
        shards[-1].definition[name] = {"all": [{"m": to_durable(condition, keys)}]}
        shards[-1].leaves += n
    return CompiledRuleset(
        version=version,
        shards=[s.definition for s in shards if s.definition],
        plans=plans,
        always=always,
        order=[r.slug for r in enabled],
        fields=frozenset(fields),
        keys=keys,
    )


def decide(plan: Plan, fired_parts: set[str]) -> bool:
    """Whether a rule fired, given the parts the engine reported."""
    if isinstance(plan, PartRef):
        return plan.name in fired_parts
    results = (decide(p, fired_parts) for p in plan.children)
    return all(results) if plan.every else any(results)
