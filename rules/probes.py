"""Safety probes: intakes generated from the vocabulary, to catch a draft that refers less.

A probe is a flag-free baseline with one risk answer set on it, or two. The answers come
from the vocabulary and the referral rules, never from a hand-kept list, so a field added
to the intake is probed as soon as a referral rule reads it:
- every boolean field a referral rule reads, answered yes;
- every value of a choice field a referral rule reads, other than the baseline's;
- for an integer field a referral rule reads, each value at which one of its
  comparisons just holds (`age < 16` gives 15, `age >= 50` gives 50): a draft that
  narrows a threshold loses that value, and the probe notices.
The rules of both sides (live and draft) are read, so narrowing and removing are seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from rules.schema import Leaf, Refer, Rule, iter_leaves
from rules.vocabulary import Vocabulary

Value = bool | int | str


@dataclass(frozen=True)
class Answer:
    """One answer a probe sets: `field` is `value`."""

    field: str
    value: Value


@dataclass(frozen=True)
class Baseline:
    """A flag-free starting point: who the person is, before any risk answer."""

    name: str
    values: tuple[tuple[str, Value], ...]  # only fields the vocabulary has are used


@dataclass(frozen=True)
class Probe:
    """A baseline with zero, one or two risk answers, and the facts the engine reads.

    The facts are `defaults` (shared by every probe: each yes/no answered no, each choice
    its first value) with `overrides`, which are all that make this probe different.
    """

    baseline: Baseline
    answers: tuple[Answer, ...]
    overrides: dict = field(compare=False, hash=False)
    defaults: dict = field(compare=False, hash=False, repr=False)

    @property
    def facts(self) -> dict:
        return {**self.defaults, **self.overrides}


# Young and old, early and late in an episode, with and without pain down a leg. Ages
# and days sit clear of the default thresholds (16, 50, 70; 2, 3, 14 days), so each
# baseline is free of flags; the threshold probes put values on the thresholds.
DEFAULT_BASELINES: tuple[Baseline, ...] = tuple(
    Baseline(f"{who}, {when}, {leg}",
             (("age", age), ("days_since_onset", days), ("pain_score", 4),
              ("leg_pain", leg_value)))
    for who, age in (("aged 30", 30), ("aged 65", 65))
    for when, days in (("day 1 of the episode", 1), ("day 60", 60))
    for leg, leg_value in (("no leg pain", "none"), ("pain below the knee", "below_knee"))
)


def referral_rules(rule_sets: Iterable[Iterable[Rule]]) -> list[Rule]:
    """Every rule that refers, enabled or not, from each of `rule_sets`."""
    return [r for rules in rule_sets for r in rules if isinstance(r.action, Refer)]


def risk_fields(rules: Iterable[Rule]) -> set[str]:
    """The fields some referral rule reads: the ones that can carry risk."""
    return {leaf.field for r in rules if isinstance(r.action, Refer)
            for leaf in iter_leaves(r.conditions)}


def _holding_values(leaf: Leaf) -> list[int]:
    """Integer values at which one comparison just holds."""
    values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if leaf.op in ("==", "<=", ">=", "in"):
        return numbers
    if leaf.op == "<":
        return [v - 1 for v in numbers]
    if leaf.op == ">":
        return [v + 1 for v in numbers]
    return [v + d for v in numbers for d in (-1, 1)]  # "!=": either side of it


def risk_answers(vocabulary: Vocabulary, rules: Iterable[Rule]) -> list[Answer]:
    """Every single risk answer the referral rules make meaningful, in vocabulary order."""
    rules = [r for r in rules if isinstance(r.action, Refer)]
    thresholds: dict[str, set[int]] = {}
    for r in rules:
        for leaf in iter_leaves(r.conditions):
            spec = vocabulary.get(leaf.field)
            if spec is not None and spec.kind == "integer":
                thresholds.setdefault(leaf.field, set()).update(_holding_values(leaf))
    read = risk_fields(rules)
    answers: list[Answer] = []
    for name, spec in vocabulary.items():
        if name not in read:
            continue
        if spec.kind == "boolean":
            answers.append(Answer(name, True))
        elif spec.kind == "choice":
            answers += [Answer(name, c) for c in spec.choices]
        else:
            lo = spec.minimum if spec.minimum is not None else float("-inf")
            hi = spec.maximum if spec.maximum is not None else float("inf")
            answers += [Answer(name, v) for v in sorted(thresholds.get(name, ()))
                        if lo <= v <= hi]
    return answers


def default_facts(vocabulary: Vocabulary) -> dict:
    """A flag-free intake's facts: every yes/no answered no, each choice its first value.

    An integer is left unanswered (as an optional question left blank) unless a baseline
    sets it; the threshold probes give it values.
    """
    facts: dict = {}
    for name, spec in vocabulary.items():
        if spec.kind == "boolean":
            facts[name] = False
        elif spec.kind == "choice":
            facts[name] = spec.choices[0]
    return facts


def generate_probes(vocabulary: Vocabulary, rule_sets: Iterable[Iterable[Rule]],
                    baselines: Iterable[Baseline] = DEFAULT_BASELINES) -> list[Probe]:
    """Each baseline alone, with each risk answer, and with each pair of them.

    Probes whose facts are the same (age 15 on a 30- or 65-year-old baseline) are kept
    once. Two answers on one field cannot be given at once, so such pairs are skipped.
    """
    answers = risk_answers(vocabulary, referral_rules(rule_sets))
    singles = [(a,) for a in answers]
    pairs = [(a, b) for a, b in combinations(answers, 2) if a.field != b.field]
    defaults = default_facts(vocabulary)
    bases = [(baseline, {k: v for k, v in baseline.values if k in vocabulary})
             for baseline in baselines]
    probes: list[Probe] = []
    seen: set[frozenset] = set()
    # Fewest answers first, so a probe two baselines share is named by the simpler one.
    for answer_sets in ([()], singles, pairs):
        for baseline, base in bases:
            for answer_set in answer_sets:
                if any(_same(base.get(a.field, defaults.get(a.field, _MISSING)), a.value)
                       for a in answer_set):
                    continue  # the baseline already gives this answer: not a new probe
                overrides = {**base, **{a.field: a.value for a in answer_set}}
                overrides = {k: v for k, v in overrides.items()
                             if not _same(defaults.get(k, _MISSING), v)}
                key = frozenset((k, type(v).__name__, v) for k, v in overrides.items())
                if key not in seen:
                    seen.add(key)
                    probes.append(Probe(baseline, answer_set, overrides, defaults))
    return probes


def _same(a, b) -> bool:
    return a == b and type(a) is type(b)


_MISSING = object()
