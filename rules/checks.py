"""Static checks on a knowledge base: mistakes that test vignettes may never exercise.

Pure Python, no Flask or database. Three kinds of problem block a publish:
- a rule (or a branch of an `any` group) that can never be true, such as `age < 10` and
  `age > 20` in one `all`, or `age > 120` when ages stop at 120;
- two enabled referrals with the same conditions but different levels, so the less
  urgent one can never decide anything and one of them is a mistake;
- a referral whose message or reason is blank, so the patient is not told what to do.

Satisfiability is exact for this rule language: leaves on different fields are
independent, and a set of comparisons on one integer field can only change truth at its
constants, their neighbours and the field's bounds, so checking those values suffices.
"""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import product

from rules.schema import KnowledgeBase, Refer, Rule
from rules.vocabulary import FieldSpec, Vocabulary

MAX_TERMS = 4096  # a condition whose expansion is bigger than this is not judged

_WORDS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "in": "in"}


class _TooComplex(Exception):
    pass


def static_problems(kb: KnowledgeBase, vocabulary: Vocabulary) -> list[str]:
    """Every static problem in `kb`'s enabled rules, each naming the rule."""
    enabled = [rule for rule in kb.rules if rule.enabled]
    problems = []
    for rule in enabled:
        problems += [f"rule '{rule.slug}': {p}" for p in rule_static_problems(rule, vocabulary)]
    return problems + conflicting_referrals(enabled)


def rule_static_problems(rule: Rule, vocabulary: Vocabulary) -> list[str]:
    """Why one rule can never fire, has dead branches, or refers without words."""
    problems = []
    tree = rule.conditions.model_dump()
    try:
        if not satisfiable(tree, vocabulary):
            problems.append(f"can never fire: {why_never(tree, vocabulary)}")
        else:
            problems += _dead_branches(tree, tree, (), vocabulary)
    except _TooComplex:
        pass  # too big to judge statically; the vignettes still run
    if isinstance(rule.action, Refer) and not rule.action.message.strip():
        problems.append("the referral message is blank: the patient would not be told what "
                        "to do")
    if not rule.reason.strip():
        problems.append("the reason is blank: the patient would not be told why")
    return problems


def conflicting_referrals(rules: list[Rule]) -> list[str]:
    """Enabled referrals whose conditions are the same but whose levels differ."""
    groups: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        if rule.enabled and isinstance(rule.action, Refer):
            groups[_canonical_key(rule.conditions.model_dump())].append(rule)
    problems = []
    for same in groups.values():
        levels = {rule.action.level for rule in same}
        if len(levels) > 1:
            names = " and ".join(f"'{rule.slug}' ({rule.action.level})" for rule in same)
            problems.append(f"rules {names} have the same conditions but refer at different "
                            "levels: only the most urgent can ever decide the outcome")
    return problems


def satisfiable(tree: dict, vocabulary: Vocabulary) -> bool:
    """Whether some valid intake makes the condition tree true."""
    return any(_term_conflict(term, vocabulary) is None for term in _terms(tree))


def why_never(tree: dict, vocabulary: Vocabulary) -> str:
    """Plain words for why a condition tree is never true (it must not be satisfiable)."""
    reasons = []
    for term in _terms(tree):
        conflict = _term_conflict(term, vocabulary)
        if conflict and conflict not in reasons:
            reasons.append(conflict)
    return "; or ".join(reasons) if reasons else "an 'any' group has no conditions"


def _dead_branches(root: dict, node: dict, path: tuple, vocabulary: Vocabulary) -> list[str]:
    """Members of `any` groups that can never be true where they stand in the rule."""
    if "field" in node:
        return []
    kind = "all" if "all" in node else "any"
    problems = []
    for i, child in enumerate(node[kind]):
        if kind == "any" and not satisfiable(_replace(root, path, child), vocabulary):
            problems.append(f"condition {i + 1} of an 'any' group can never be true here: "
                            f"{describe(child)}")
        else:
            problems += _dead_branches(root, child, path + ((kind, i),), vocabulary)
    return problems


def _replace(tree: dict, path: tuple, new: dict) -> dict:
    """`tree` with the `any` group at `path` replaced by its member `new`."""
    if not path:
        return new
    (kind, i), rest = path[0], path[1:]
    children = list(tree[kind])
    children[i] = _replace(children[i], rest, new)
    return {kind: children}


def _terms(tree: dict) -> list[list[dict]]:
    """The condition as an `any` of `all`s of leaves (disjunctive normal form)."""
    if "field" in tree:
        return [[tree]]
    if "any" in tree:
        terms = [term for child in tree["any"] for term in _terms(child)]
    else:
        terms = [[]]
        for child in tree["all"]:
            terms = [a + b for a, b in product(terms, _terms(child))]
            if len(terms) > MAX_TERMS:
                raise _TooComplex
    if len(terms) > MAX_TERMS:
        raise _TooComplex
    return terms


def _term_conflict(term: list[dict], vocabulary: Vocabulary) -> str | None:
    """Why the leaves of one `all` can never hold together, or None if they can."""
    by_field: dict[str, list[dict]] = defaultdict(list)
    for leaf in term:
        by_field[leaf["field"]].append(leaf)
    for name, leaves in by_field.items():
        spec = vocabulary.get(name)
        if spec is None:
            continue  # an unknown field is reported by rules.schema.rule_problems
        if not any(all(_holds(leaf, x) for leaf in leaves) for x in _candidates(spec, leaves)):
            tests = " and ".join(describe(leaf) for leaf in leaves)
            if len(leaves) == 1:
                return f"{tests} is never true ({_domain(spec)})"
            return f"{tests} cannot {'both' if len(leaves) == 2 else 'all'} be true at once"
    return None


def _candidates(spec: FieldSpec, leaves: list[dict]) -> list:
    """Values of the field at which the leaves' truth can change: enough to decide."""
    if spec.kind == "boolean":
        return [False, True]
    if spec.kind == "choice":
        return list(spec.choices)
    constants = [v for leaf in leaves for v in _values(leaf)
                 if isinstance(v, int) and not isinstance(v, bool)]
    lo = spec.minimum if spec.minimum is not None else min(constants + [0]) - 1
    hi = spec.maximum if spec.maximum is not None else max(constants + [0]) + 1
    points = {lo, hi} | {c + d for c in constants for d in (-1, 0, 1)}
    return sorted(x for x in points if lo <= x <= hi)


def _values(leaf: dict) -> list:
    value = leaf["value"]
    return list(value) if isinstance(value, list) else [value]


def _same(a, b) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _holds(leaf: dict, x) -> bool:
    op, values = leaf["op"], _values(leaf)
    if op == "in":
        return any(_same(x, v) for v in values)
    value = values[0] if values else None
    if op == "==":
        return _same(x, value)
    if op == "!=":
        return not _same(x, value)
    numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (x, value))
    if not numbers:
        return False
    return {"<": x < value, "<=": x <= value, ">": x > value, ">=": x >= value}[op]


def _domain(spec: FieldSpec) -> str:
    if spec.kind == "integer":
        return f"{spec.name} runs from {spec.minimum} to {spec.maximum}"
    if spec.kind == "choice":
        return f"{spec.name} is one of {', '.join(spec.choices)}"
    return f"{spec.name} is yes or no"


def describe(node: dict) -> str:
    """A condition tree in short words, e.g. `age < 10 and (fever = yes or ...)`."""
    if "field" in node:
        values = ", ".join(_word(v) for v in _values(node))
        shown = f"[{values}]" if node["op"] == "in" else values
        return f"{node['field']} {_WORDS.get(node['op'], node['op'])} {shown}"
    kind = "all" if "all" in node else "any"
    parts = [describe(child) for child in node[kind]]
    if not parts:
        return "always" if kind == "all" else "never"
    joined = (" and " if kind == "all" else " or ").join(parts)
    return joined if len(parts) == 1 else f"({joined})"


def _word(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _canonical_key(tree: dict) -> str:
    return json.dumps(_canonical(tree), sort_keys=True)


def _canonical(node: dict):
    """An order-free form of a condition, so equivalent spellings compare equal."""
    if "field" in node:
        values = _values(node)
        if node["op"] == "in" and len(values) == 1:
            return ["leaf", node["field"], "==", values[0]]
        if node["op"] == "in":
            return ["leaf", node["field"], "in", sorted(values, key=repr)]
        return ["leaf", node["field"], node["op"], node["value"]]
    kind = "all" if "all" in node else "any"
    members = []
    for child in node[kind]:
        canonical = _canonical(child)
        if isinstance(canonical, list) and canonical[0] == kind:
            members += canonical[1]  # (a and (b and c)) is (a and b and c)
        else:
            members.append(canonical)
    unique = sorted({json.dumps(m, sort_keys=True): m for m in members}.items())
    members = [m for _, m in unique]
    if len(members) == 1:
        return members[0]
    return [kind, members]
