"""A plain-Python evaluator of the rule schema: the oracle the engine must agree with.

Deliberately simple and independent of rules/compiler.py: it walks the condition tree
directly. A leaf on a field missing from the facts is false, whatever its operator,
because that is what durable_rules does.
"""

from __future__ import annotations

import operator

from rules.schema import AllOf, AnyOf, Leaf, Rule

_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def holds(condition, facts: dict) -> bool:
    """Whether a condition tree holds for `facts`."""
    if isinstance(condition, AllOf):
        return all(holds(c, facts) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(c, facts) for c in condition.any)
    assert isinstance(condition, Leaf)
    if condition.field not in facts:
        return False
    value = facts[condition.field]
    if condition.op == "in":
        return value in condition.value
    return _COMPARE[condition.op](value, condition.value)


def fired_rules(rules: list[Rule], facts: dict) -> list[str]:
    """Slugs of the enabled rules whose conditions hold, in rule order."""
    return [r.slug for r in rules if r.enabled and holds(r.conditions, facts)]
