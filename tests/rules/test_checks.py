"""Static checks: rules that can never fire, contradicting referrals, blank referrals."""

from __future__ import annotations

import pytest

from rules.checks import conflicting_referrals, rule_static_problems, static_problems
from rules.defaults import load_default_knowledge_base
from rules.schema import KnowledgeBase, Rule
from service.triage.intake import VOCABULARY

REFER = {"type": "refer", "level": "consultation", "message": "See your GP."}


def leaf(field, op, value):
    return {"field": field, "op": op, "value": value}


def rule(conditions, action=None, slug="r", **extra) -> Rule:
    return Rule.model_validate({"slug": slug, "name": slug, "conditions": conditions,
                                "action": action or REFER, "reason": "Because.", **extra})


def problems(conditions, action=None) -> list[str]:
    return rule_static_problems(rule(conditions, action), VOCABULARY)


def test_the_default_knowledge_base_passes():
    assert static_problems(load_default_knowledge_base(), VOCABULARY) == []


@pytest.mark.parametrize("conditions, words", [
    ({"all": [leaf("age", "<", 10), leaf("age", ">", 20)]},
     "age < 10 and age > 20 cannot both be true"),
    ({"all": [leaf("age", ">", 120)]}, "age > 120 is never true (age runs from 0 to 120)"),
    ({"all": [leaf("pain_score", "<", 0)]}, "pain_score < 0 is never true"),
    ({"all": [leaf("leg_pain", "==", "none"), leaf("leg_pain", "==", "both_legs")]},
     "leg_pain = none and leg_pain = both_legs cannot both be true"),
    ({"all": [leaf("leg_pain", "in", ["none", "above_knee"]),
              leaf("leg_pain", "!=", "none"), leaf("leg_pain", "!=", "above_knee")]},
     "cannot all be true at once"),
    ({"all": [leaf("fever", "==", True), leaf("fever", "!=", True)]}, "fever = yes"),
    ({"all": [leaf("age", ">=", 50), {"all": [leaf("age", "<=", 40)]}]},
     "age ≥ 50 and age ≤ 40"),
    ({"any": [{"all": [leaf("age", "<", 10), leaf("age", ">", 20)]},
              {"all": [leaf("fever", "==", True), leaf("fever", "==", False)]}]},
     "; or fever = yes and fever = no"),
])
def test_a_rule_that_can_never_fire_is_named_with_its_reason(conditions, words):
    found = problems(conditions)
    assert len(found) == 1 and found[0].startswith("can never fire: ")
    assert words in found[0]


@pytest.mark.parametrize("conditions", [
    {"all": []},  # always
    {"all": [leaf("age", ">=", 10), leaf("age", "<=", 10)]},  # exactly 10
    {"all": [leaf("age", "!=", 5), leaf("age", ">=", 5), leaf("age", "<=", 6)]},  # only 6
    {"all": [leaf("age", ">", 119)]},  # only 120
    {"all": [leaf("age", ">", 5), leaf("age", "<", 7)]},  # only 6, between the constants
    {"all": [leaf("days_since_onset", "in", [3, 4]), leaf("days_since_onset", "!=", 3)]},
    {"all": [leaf("leg_pain", "in", ["none", "both_legs"]), leaf("leg_pain", "!=", "none")]},
    {"all": [leaf("age", "<", 10), leaf("pain_score", ">", 8)]},  # different fields
    {"any": [leaf("age", "<", 10), leaf("age", ">", 20)]},
    {"all": [leaf("start_back_risk", "==", "high")]},  # a computed field
])
def test_a_rule_that_can_fire_passes(conditions):
    assert problems(conditions) == []


def test_a_dead_branch_of_an_any_group_is_named():
    found = problems({"all": [leaf("age", ">", 50),
                              {"any": [leaf("age", "<", 10), leaf("fever", "==", True)]}]})
    assert found == ["condition 1 of an 'any' group can never be true here: age < 10"]


def test_blank_referral_message_and_reason_are_problems():
    found = rule_static_problems(
        rule({"all": [leaf("fever", "==", True)]},
             {"type": "refer", "level": "emergency", "message": "   "}, reason=" \n"),
        VOCABULARY)
    assert any("referral message is blank" in p for p in found)
    assert any("reason is blank" in p for p in found)


@pytest.mark.parametrize("second", [
    {"all": [leaf("fever", "==", True), leaf("age", ">=", 50)]},
    {"all": [leaf("age", ">=", 50), leaf("fever", "==", True)]},  # order does not matter
    {"all": [{"all": [leaf("age", ">=", 50)]}, leaf("fever", "==", True)]},  # nesting neither
])
def test_same_conditions_different_levels_conflict(second):
    a = rule({"all": [leaf("fever", "==", True), leaf("age", ">=", 50)]}, slug="a")
    b = rule(second, {**REFER, "level": "emergency"}, slug="b")
    found = conflicting_referrals([a, b])
    assert len(found) == 1
    assert "'a' (consultation)" in found[0] and "'b' (emergency)" in found[0]


def test_same_level_or_disabled_or_different_conditions_do_not_conflict():
    a = rule({"all": [leaf("fever", "==", True)]}, slug="a")
    same_level = rule({"all": [leaf("fever", "==", True)]}, slug="b")
    disabled = rule({"all": [leaf("fever", "==", True)]}, {**REFER, "level": "emergency"},
                    slug="c", enabled=False)
    other = rule({"all": [leaf("fever", "==", False)]}, {**REFER, "level": "emergency"},
                 slug="d")
    assert conflicting_referrals([a, same_level, disabled, other]) == []


def test_static_problems_skip_disabled_rules_and_name_the_rule():
    kb = load_default_knowledge_base()
    never = rule({"all": [leaf("age", "<", 0)]}, slug="never")
    off = rule({"all": [leaf("age", "<", 0)]}, slug="off", enabled=False)
    kb = KnowledgeBase(rules=[*kb.rules, never, off], exercises=kb.exercises, advice=kb.advice)
    found = static_problems(kb, VOCABULARY)
    assert len(found) == 1 and found[0].startswith("rule 'never': can never fire")
