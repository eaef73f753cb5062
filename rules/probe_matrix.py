"""Evaluate every probe against a rule set at once, one bit per probe.

The gate runs inside a clinician's request and may assess tens of thousands of probes
on each side, then again with each referral rule left out. Evaluating them one by one in
the engine takes seconds per side for 200 rules (ENGINE_NOTES.md), so a condition is
evaluated for all probes together: a leaf's answer is the OR of the probes holding each
value it accepts, `all` is AND and `any` is OR, each an operation on a Python integer
used as a bit set. The semantics are the engine's (a missing field makes every
comparison false); tests/rules/test_probes.py holds it to the engine and to the
plain-Python reference on every probe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rules.levels import ROUTINE_LEVELS, TRIAGE_LEVELS
from rules.schema import AllOf, AnyOf, Condition, Leaf, Refer, Rule

REFERRAL_LEVELS = TRIAGE_LEVELS[:-1]  # self_care is what is left when nothing refers
# The least urgent level at which nobody gets a routine (consultation_24).
NO_ROUTINE_FROM = [level for level in REFERRAL_LEVELS if level not in ROUTINE_LEVELS][-1]


def _same(a, b) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def leaf_holds(leaf: Leaf, value) -> bool:
    """Whether one leaf holds for a present field `value` (as durable_rules decides)."""
    op = leaf.op
    if op == "in":
        return any(_same(value, v) for v in leaf.value)
    if op == "==":
        return _same(value, leaf.value)
    if op == "!=":
        return not _same(value, leaf.value)
    a, b = value, leaf.value
    if isinstance(a, bool) or isinstance(b, bool) or not (
            isinstance(a, int) and isinstance(b, int)):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


class ProbeMatrix:
    """The facts of many probes, indexed so a condition is answered for all in one go."""

    def __init__(self, overrides: list[dict], defaults: dict | None = None):
        """Probe i's facts are `defaults` updated with `overrides[i]`."""
        self.count = len(overrides)
        self.everyone = (1 << self.count) - 1
        index: dict[str, dict[tuple, int]] = {}
        for i, probe in enumerate(overrides):
            bit = 1 << i
            for name, value in probe.items():
                values = index.setdefault(name, {})
                key = (type(value).__name__, value)
                values[key] = values.get(key, 0) | bit
        for name, value in (defaults or {}).items():
            values = index.setdefault(name, {})
            overridden = 0
            for mask in values.values():
                overridden |= mask
            key = (type(value).__name__, value)
            values[key] = values.get(key, 0) | (self.everyone & ~overridden)
        # field -> [(value, mask)]: each distinct value once, with the probes holding it
        self._values = {name: [(key[1], mask) for key, mask in values.items()]
                        for name, values in index.items()}
        self._leaves: dict[tuple, int] = {}

    @classmethod
    def of(cls, probes) -> ProbeMatrix:
        """The matrix of some rules.probes.Probe (all sharing one set of defaults)."""
        return cls([p.overrides for p in probes], probes[0].defaults if probes else {})

    def leaf_mask(self, leaf: Leaf) -> int:
        """The probes for which `leaf` holds."""
        key = (leaf.field, leaf.op, repr(leaf.value))  # a list value is not hashable
        mask = self._leaves.get(key)
        if mask is None:
            mask = 0
            for value, probes in self._values.get(leaf.field, ()):
                if leaf_holds(leaf, value):
                    mask |= probes
            self._leaves[key] = mask
        return mask

    def mask(self, condition: Condition) -> int:
        """The probes for which a condition tree holds."""
        if isinstance(condition, Leaf):
            return self.leaf_mask(condition)
        if isinstance(condition, AllOf):
            mask = self.everyone
            for child in condition.all:
                mask &= self.mask(child)
                if not mask:
                    break
            return mask
        mask = 0
        for child in condition.any if isinstance(condition, AnyOf) else ():
            mask |= self.mask(child)
        return mask


@dataclass
class Verdicts:
    """What one rule set tells every probe: its level and whether it gets a routine."""

    matrix: ProbeMatrix
    fires: dict[str, int]  # referral rule slug -> the probes it fires for
    rules: dict[str, Rule]  # the enabled referral rules, by slug

    @classmethod
    def of(cls, matrix: ProbeMatrix, rules: Iterable[Rule]) -> Verdicts:
        referrals = {r.slug: r for r in rules if r.enabled and isinstance(r.action, Refer)}
        return cls(matrix, {s: matrix.mask(r.conditions) for s, r in referrals.items()},
                   referrals)

    def at_least(self, leave_out: str | None = None) -> tuple[dict[str, int], int]:
        """(level -> probes told that level or more urgent, probes given a routine)."""
        by_level = dict.fromkeys(REFERRAL_LEVELS, 0)
        withheld = 0
        for slug, mask in self.fires.items():
            if slug == leave_out:
                continue
            action = self.rules[slug].action
            by_level[action.level] |= mask
            if action.withhold_routine:
                withheld |= mask
        cumulative, running = {}, 0
        for level in REFERRAL_LEVELS:
            running |= by_level[level]
            cumulative[level] = running
        routine = self.matrix.everyone & ~cumulative[NO_ROUTINE_FROM] & ~withheld
        return cumulative, routine

    def fired(self, i: int) -> list[str]:
        """The referral rules that fire for probe `i`, most urgent first."""
        bit = 1 << i
        found = [slug for slug, mask in self.fires.items() if mask & bit]
        return sorted(found, key=lambda s: TRIAGE_LEVELS.index(self.rules[s].action.level))

    def verdict(self, i: int) -> tuple[str, bool]:
        """(level, whether a routine is given) for probe `i`."""
        fired = [self.rules[s].action for s in self.fired(i)]
        level = fired[0].level if fired else "self_care"
        return level, level in ROUTINE_LEVELS and not any(a.withhold_routine for a in fired)


def downgrades(before: tuple[dict[str, int], int], after: tuple[dict[str, int], int]) -> int:
    """Probes told something less urgent after than before, or newly given a routine."""
    (levels_before, routine_before), (levels_after, routine_after) = before, after
    mask = routine_after & ~routine_before
    for level in REFERRAL_LEVELS:
        mask |= levels_before[level] & ~levels_after[level]
    return mask


def differences(before: tuple[dict[str, int], int], after: tuple[dict[str, int], int]) -> int:
    """Probes whose level or routine differs at all between before and after."""
    (levels_before, routine_before), (levels_after, routine_after) = before, after
    mask = routine_after ^ routine_before
    for level in REFERRAL_LEVELS:
        mask |= levels_before[level] ^ levels_after[level]
    return mask


def bits(mask: int) -> list[int]:
    """The indices of the set bits of `mask`, in order."""
    text = bin(mask)[:1:-1]  # least significant first, without the '0b'
    return [i for i, c in enumerate(text) if c == "1"]
