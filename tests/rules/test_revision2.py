"""CLINICAL.md "Revision 2" in the default knowledge base: the rules engine gives each
case its level, withholds the routine where it must, and says nothing contradictory."""

from __future__ import annotations

import re

import pytest

from rules import RulesEngine, compile_ruleset
from rules.defaults import load_default_knowledge_base
from rules.levels import ROUTINE_LEVELS, most_urgent
from rules.schema import AddAdvice, Refer
from service.triage.intake import Intake, intake_facts
from tests.rules.reference import fired_rules
from tests.rules.revision2_cases import CASE_IDS, CASES, answers

KB = load_default_knowledge_base()
RULES = {r.slug: r for r in KB.rules}
ADVICE = {a.slug: a for a in KB.advice}


@pytest.fixture(scope="module")
def engine():
    engine = RulesEngine("revision2")
    engine.load(compile_ruleset(KB.rules, 1))
    yield engine
    engine.close()


def outcome(fired: list[str]) -> tuple[str, bool]:
    """(level, routine given) for some fired rules, as the assembler decides them."""
    refers = [RULES[slug].action for slug in fired if isinstance(RULES[slug].action, Refer)]
    level = most_urgent(a.level for a in refers)
    return level, level in ROUTINE_LEVELS and not any(a.withhold_routine for a in refers)


@pytest.mark.parametrize(("changes", "level", "routine"), [c[1:] for c in CASES],
                         ids=CASE_IDS)
def test_revision2_case_in_the_engine(engine, changes, level, routine):
    facts = intake_facts(Intake.model_validate(answers(changes)))
    _version, fired = engine.evaluate(facts)
    assert outcome(fired) == (level, routine), fired
    # The plain-Python reference reads the rules the same way.
    assert sorted(fired) == sorted(fired_rules(KB.rules, facts))


def test_a_three_year_old_gets_no_adult_routine(engine):
    _version, fired = engine.evaluate(intake_facts(Intake.model_validate(
        answers({"age": 3, "days_since_onset": 7}))))
    assert outcome(fired) == ("consultation_24", False)
    assert {"child_under_5", "child_under_16"} <= set(fired)


# Words that claim other warning signs are absent: false whenever another rule fires too.
ABSENCE_CLAIMS = re.compile(
    r"none of the other|no other (warning|sign)|without (any|the) other|on its own|"
    r"even though you have no|only sign", re.IGNORECASE)


@pytest.mark.parametrize("rule", KB.rules, ids=lambda r: r.slug)
def test_no_reason_claims_that_other_warning_signs_are_absent(rule):
    assert not ABSENCE_CLAIMS.search(rule.reason), rule.reason


# Reassurance that reads wrong under a more urgent referral shown beside it, e.g. "this is
# not an emergency" from one rule under another rule's "go to A&E now".
REASSURANCE = re.compile(r"not an emergency|usually recovers|not caused by it|most often|"
                         r"usually has|unlikely|nothing to worry", re.IGNORECASE)


@pytest.mark.parametrize("rule", [r for r in KB.rules if isinstance(r.action, Refer)],
                         ids=lambda r: r.slug)
def test_no_referral_reason_reassures_against_a_more_urgent_one(rule):
    assert not REASSURANCE.search(rule.reason), rule.reason


def test_the_reassurance_check_would_catch_the_old_stenosis_wording():
    assert REASSURANCE.search("(spinal stenosis). This is not an emergency, but a doctor")


def test_the_absence_check_would_catch_the_old_both_legs_wording():
    old = ("so a doctor should examine you today, even though you have none of the other "
           "warning signs.")
    assert ABSENCE_CLAIMS.search(old)


# Words of routine encouragement that must never reach someone sent to a doctor today.
ENCOURAGEMENT = re.compile(r"exercises? (will|can) help|carry on|keep (up|doing)|gentle "
                           r"exercise", re.IGNORECASE)


@pytest.mark.parametrize("rule", [r for r in KB.rules if isinstance(r.action, Refer)
                                  and r.action.level != "consultation"], ids=lambda r: r.slug)
def test_urgent_referrals_carry_no_routine_encouragement(rule):
    assert not ENCOURAGEMENT.search(rule.reason + " " + rule.action.message)


@pytest.mark.parametrize("sign", [
    "genitals", "bottom", "passing urine", "bladder or bowel is full",
    "losing control of your bladder or bowels", "sexual function", "both legs",
    "getting worse", "chest pain", "call 999", "fever", "losing weight without trying",
    "worse at night", "NHS 111",
])
def test_stop_signs_name_every_emergency_and_urgent_sign(sign):
    assert sign in ADVICE["stop_signs"].text


def test_both_legs_sign_names_pain_tingling_numbness_and_weakness():
    text = ADVICE["stop_signs"].text
    assert "pain, tingling, numbness or weakness in both legs" in text


@pytest.mark.parametrize("words", [
    "pharmacist", "ibuprofen", "Paracetamol on its own is not recommended", "opioids",
    "gabapentin", "pregabalin", "steroid tablets", "benzodiazepines",
])
def test_pain_relief_advice_says_what_nice_says(words):
    assert words in ADVICE["pain_relief"].text


def test_pain_relief_advice_ends_with_111():
    assert ADVICE["pain_relief"].text.rstrip().endswith("call NHS 111 or speak to your GP.")


def test_pain_relief_is_in_every_routine():
    rule = RULES["routine_pain_relief"]
    assert rule.conditions.model_dump() == {"all": []}
    assert isinstance(rule.action, AddAdvice) and rule.action.advice == "pain_relief"


@pytest.mark.parametrize("slug", [
    "chest_pain", "ces_both_legs_long_standing", "ces_sexual_dysfunction_with_leg_signs",
    "difficulty_walking", "difficulty_walking_with_ces_sign", "infection_fever_with_thoracic_pain",
    "cancer_radicular_pain", "weight_loss_with_night_pain", "night_pain_age_50_plus",
    "steroids_fracture_risk", "osteoporosis_severe_pain", "child_under_5",
    "routine_pain_relief",
])
def test_each_new_rule_names_its_source_and_revision(slug):
    rule = RULES[slug]
    assert rule.source.strip() and "Revision 2" in rule.rationale
