"""The default knowledge base: it loads, it is complete, and it triages safely.

The clinical checks run the rules through a small plain-Python evaluator written here
(a missing field makes a leaf false; level = most urgent refer level), so the shipped
rules can be checked without the durable_rules engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from rules.defaults import load_default_knowledge_base
from rules.levels import ROUTINE_LEVELS, most_urgent
from rules.schema import AddAdvice, IncludeExercise, Refer, knowledge_base_problems
from service.triage.intake import VOCABULARY, Intake, intake_facts
from tests.conftest import PUBLIC_VIGNETTES
from tests.rules.reference import fired_rules

DATA = Path(__file__).parent.parent / "data"
VIGNETTES = PUBLIC_VIGNETTES  # the packaged copy, as the service seeds it

KB = load_default_knowledge_base()
EXERCISES = {e.slug: e for e in KB.exercises}
ADVICE = {a.slug: a for a in KB.advice}

# A person with no red flags at all; cases below change only what they test.
NO_FLAGS = {
    "age": 40,
    "days_since_onset": 10,
    "pain_score": 5,
    "leg_pain": "none",
    "leg_weakness": "none",
    "saddle_numbness": False,
    "bladder_bowel_change": False,
    "fever": False,
    "iv_drug_use": False,
    "immunosuppressed": False,
    "recent_infection": False,
    "cancer_history": False,
    "unexplained_weight_loss": False,
    "night_pain": False,
    "thoracic_pain": False,
    "major_trauma": False,
    "osteoporosis": False,
    "long_term_steroids": False,
}

def triage(answers: dict, kb=KB) -> dict:
    """Level, routine (or None) and fired rule slugs for one intake, per INTAKE.md."""
    facts = intake_facts(Intake.model_validate(answers))
    slugs = set(fired_rules(kb.rules, facts))
    fired = [r for r in kb.rules if r.slug in slugs]
    refers = [r.action for r in fired if isinstance(r.action, Refer)]
    level = most_urgent(a.level for a in refers)
    routine = None
    if level in ROUTINE_LEVELS and not any(a.withhold_routine for a in refers):
        exercises = {r.action.exercise for r in fired if isinstance(r.action, IncludeExercise)}
        routine = {
            "exercises": exercises,
            "categories": {EXERCISES[slug].category for slug in exercises},
            "advice": {r.action.advice for r in fired if isinstance(r.action, AddAdvice)},
        }
    return {"level": level, "routine": routine, "fired": [r.slug for r in fired]}


def with_answers(**changes) -> dict:
    return {**NO_FLAGS, **changes}


# ---------------------------------------------------------------------------------
# The knowledge base is sound and complete
# ---------------------------------------------------------------------------------


def test_every_rule_uses_known_fields_values_exercises_and_advice():
    assert knowledge_base_problems(KB, VOCABULARY) == []


def test_library_has_the_slugs_the_contract_requires():
    assert {"piriformis_stretch", "hamstring_stretch", "walking"} <= EXERCISES.keys()
    assert len([e for e in KB.exercises if e.category == "core"]) >= 2
    assert {"stop_signs", "flare_rest", "stay_active"} <= ADVICE.keys()


@pytest.mark.parametrize(
    "rule", [r for r in KB.rules if isinstance(r.action, Refer)], ids=lambda r: r.slug
)
def test_refer_rules_explain_themselves_and_cite_a_source(rule):
    assert rule.source.strip(), "a referral must name the guideline or paper it rests on"
    assert rule.reason.strip() and rule.rationale.strip()
    assert rule.action.message.strip()


@pytest.mark.parametrize("rule", KB.rules, ids=lambda r: r.slug)
def test_every_rule_is_enabled_and_sourced(rule):
    assert rule.enabled
    assert rule.source.strip() and rule.rationale.strip()


@pytest.mark.parametrize("exercise", KB.exercises, ids=lambda e: e.slug)
def test_exercises_have_steps_a_dose_cautions_and_a_drawing(exercise):
    assert len(exercise.instructions) >= 3
    assert all(step.strip() for step in exercise.instructions)
    dose = (exercise.hold_seconds, exercise.reps, exercise.sets, exercise.times_per_day)
    assert any(d is not None for d in dose), "an exercise needs a dose"
    assert exercise.purpose.strip()
    assert exercise.cautions
    assert exercise.illustration == exercise.slug


def test_stretch_doses_follow_the_literature():
    for slug in ("piriformis_stretch", "hamstring_stretch"):
        stretch = EXERCISES[slug]
        assert stretch.hold_seconds == 30
        assert 2 <= stretch.reps <= 4
        assert stretch.times_per_day == 1
    walking = EXERCISES["walking"]
    assert walking.times_per_day == 1 and walking.hold_seconds is None


def test_stop_signs_come_first():
    assert min(KB.advice, key=lambda a: a.display_order).slug == "stop_signs"


SHINGLES = json.loads((DATA / "seed_article_shingles.json").read_text(encoding="utf-8"))


def _patient_texts():
    for rule in KB.rules:
        yield f"rule {rule.slug}", rule.reason
        if isinstance(rule.action, Refer):
            yield f"rule {rule.slug} message", rule.action.message
    for exercise in KB.exercises:
        for text in (exercise.purpose, *exercise.instructions, *exercise.cautions):
            yield f"exercise {exercise.slug}", text
    for advice in KB.advice:
        yield f"advice {advice.slug}", advice.text


def test_patient_text_does_not_reuse_the_seed_articles_sentences():
    n, known = SHINGLES["words"], set(SHINGLES["hashes"])
    reused = []
    for where, text in _patient_texts():
        words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
        for i in range(len(words) - n + 1):
            run = " ".join(words[i : i + n])
            if hashlib.sha256(run.encode()).hexdigest()[:16] in known:
                reused.append(f"{where}: '{run}'")
    assert reused == []


# ---------------------------------------------------------------------------------
# Clinical behaviour: the public vignettes
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vignette", VIGNETTES, ids=lambda v: v["id"])
def test_public_vignette(vignette):
    outcome, expect = triage(vignette["intake"]), vignette["expect"]
    assert outcome["level"] in expect["levels"], outcome["fired"]
    if "routine" in expect:
        assert (outcome["routine"] is not None) == expect["routine"]
    routine = outcome["routine"]
    if routine is None:
        return
    assert set(expect.get("exercises_include", [])) <= routine["exercises"]
    assert set(expect.get("advice_include", [])) <= routine["advice"]
    assert set(expect.get("categories_include", [])) <= routine["categories"]
    assert not set(expect.get("advice_exclude", [])) & routine["advice"]


# ---------------------------------------------------------------------------------
# Clinical behaviour: every row of the CLINICAL.md red-flag table
# ---------------------------------------------------------------------------------

RED_FLAG_CASES = [
    # (case, changes to a no-flag intake, expected level)
    ("ces_saddle_numbness", {"saddle_numbness": True}, "emergency"),
    ("ces_bladder_bowel", {"bladder_bowel_change": True}, "emergency"),
    (
        "ces_both_legs_stable_weakness",
        {"leg_pain": "both_legs", "leg_weakness": "stable"},
        "emergency",
    ),
    (
        "ces_both_legs_worsening_weakness",
        {"leg_pain": "both_legs", "leg_weakness": "worsening"},
        "emergency",
    ),
    (
        "sexual_dysfunction_alone",
        {"sexual_dysfunction": True, "leg_pain": "below_knee"},
        "consultation",
    ),
    (
        "sexual_dysfunction_with_saddle_numbness",
        {"sexual_dysfunction": True, "saddle_numbness": True},
        "emergency",
    ),
    (
        "worsening_weakness_one_leg",
        {"leg_weakness": "worsening", "leg_pain": "below_knee"},
        "consultation_24",
    ),
    ("fever_and_iv_drug_use", {"fever": True, "iv_drug_use": True}, "consultation_24"),
    ("fever_and_immunosuppressed", {"fever": True, "immunosuppressed": True}, "consultation_24"),
    ("fever_and_recent_infection", {"fever": True, "recent_infection": True}, "consultation_24"),
    ("fever_and_night_pain", {"fever": True, "night_pain": True}, "consultation_24"),
    ("iv_drug_use_no_fever", {"iv_drug_use": True}, "consultation"),
    ("immunosuppressed_no_fever", {"immunosuppressed": True}, "consultation"),
    ("recent_infection_no_fever", {"recent_infection": True}, "consultation"),
    (
        "risk_factor_and_night_pain_no_fever",
        {"immunosuppressed": True, "night_pain": True},
        "consultation_24",
    ),
    ("cancer_and_night_pain", {"cancer_history": True, "night_pain": True}, "consultation_24"),
    (
        "cancer_and_thoracic_pain",
        {"cancer_history": True, "thoracic_pain": True},
        "consultation_24",
    ),
    (
        "cancer_and_weight_loss",
        {"cancer_history": True, "unexplained_weight_loss": True},
        "consultation_24",
    ),
    (
        "cancer_and_worsening_weakness",
        {"cancer_history": True, "leg_weakness": "worsening"},
        "emergency",
    ),
    (
        "cancer_and_bladder_bowel",
        {"cancer_history": True, "bladder_bowel_change": True},
        "emergency",
    ),
    ("cancer_history_alone", {"cancer_history": True, "cancer_years_ago": 20}, "consultation"),
    ("weight_loss_age_50", {"unexplained_weight_loss": True, "age": 50}, "consultation"),
    ("weight_loss_age_49", {"unexplained_weight_loss": True, "age": 49}, "self_care"),
    ("major_trauma", {"major_trauma": True}, "emergency"),
    ("minor_trauma_osteoporosis", {"minor_trauma": True, "osteoporosis": True}, "consultation"),
    ("minor_trauma_steroids", {"minor_trauma": True, "long_term_steroids": True}, "consultation"),
    ("minor_trauma_age_71", {"minor_trauma": True, "age": 71}, "consultation"),
    ("minor_trauma_age_70", {"minor_trauma": True, "age": 70}, "self_care"),
    ("osteoporosis_without_trauma", {"osteoporosis": True}, "self_care"),
    ("thoracic_pain_alone", {"thoracic_pain": True}, "consultation"),
    ("age_15", {"age": 15}, "consultation"),
    ("age_16", {"age": 16}, "self_care"),
    ("age_over_50_alone", {"age": 75}, "self_care"),
    # Judgement calls beyond the table (see the rules' rationale).
    ("both_legs_without_weakness", {"leg_pain": "both_legs"}, "consultation_24"),
    (
        "stable_weakness_one_leg",
        {"leg_weakness": "stable", "leg_pain": "below_knee"},
        "consultation",
    ),
    ("fever_alone", {"fever": True}, "consultation"),
]


@pytest.mark.parametrize(
    ("changes", "level"), [c[1:] for c in RED_FLAG_CASES], ids=[c[0] for c in RED_FLAG_CASES]
)
def test_red_flag_level(changes, level):
    outcome = triage(with_answers(**changes))
    assert outcome["level"] == level, outcome["fired"]


def start_back(**agree) -> dict:
    answers = {f"q{i}": False for i in range(1, 9)} | {"q9": "slightly"}
    return answers | agree


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        (start_back(q1=True, q2=True, q3=True), "self_care"),  # low: total 3
        (start_back(q1=True, q2=True, q3=True, q5=True), "consultation"),  # medium
        (start_back(q5=True, q6=True, q7=True, q8=True), "consultation"),  # high
    ],
    ids=["low", "medium", "high"],
)
def test_start_back_risk_group_refers_to_physiotherapy_and_keeps_the_routine(answers, level):
    outcome = triage(with_answers(start_back=answers))
    assert outcome["level"] == level
    assert outcome["routine"] is not None


def test_start_back_groups_each_have_their_own_rule_and_reason():
    medium = triage(with_answers(start_back=start_back(q1=True, q2=True, q3=True, q5=True)))
    high = triage(with_answers(start_back=start_back(q5=True, q6=True, q7=True, q8=True)))
    assert "start_back_medium_risk" in medium["fired"]
    assert "start_back_high_risk" in high["fired"]
    assert "start_back_medium_risk" not in high["fired"]


def test_possible_fragility_fracture_withholds_the_exercises():
    outcome = triage(with_answers(minor_trauma=True, osteoporosis=True, days_since_onset=20))
    assert outcome["level"] == "consultation"
    assert outcome["routine"] is None


@pytest.mark.parametrize(
    "case", [c for c in RED_FLAG_CASES if c[2] not in ROUTINE_LEVELS], ids=lambda c: c[0]
)
def test_nobody_sent_to_a_doctor_today_gets_exercises(case):
    assert triage(with_answers(**case[1]))["routine"] is None


# ---------------------------------------------------------------------------------
# The routine: what every person without a red flag is given
# ---------------------------------------------------------------------------------

NO_FLAG_PEOPLE = [
    with_answers(
        age=age,
        days_since_onset=days,
        leg_pain=leg,
        buttock_pain_sitting=buttock,
        hamstring_tightness=hamstring,
    )
    for age in (18, 35, 55, 80)
    for days in (0, 1, 2, 3, 4, 13, 14, 60, 400)
    for leg in ("none", "above_knee", "below_knee")
    for buttock in (False, True)
    for hamstring in (False, True)
]


def test_every_routine_has_walking_and_stop_signs_and_core_work_from_day_three():
    for answers in NO_FLAG_PEOPLE:
        outcome = triage(answers)
        assert outcome["level"] == "self_care", (answers, outcome["fired"])
        routine = outcome["routine"]
        assert "walking" in routine["exercises"]
        assert {"stop_signs", "stay_active", "see_clinician"} <= routine["advice"]
        if answers["days_since_onset"] >= 3:
            assert "core" in routine["categories"], answers
            assert "flare_rest" not in routine["advice"]
        else:
            assert "flare_rest" in routine["advice"]


def test_stretches_follow_where_the_pain_is():
    for answers in NO_FLAG_PEOPLE:
        exercises = triage(answers)["routine"]["exercises"]
        leg = answers["leg_pain"] != "none"
        piriformis = leg or answers["buttock_pain_sitting"]
        hamstring = leg or answers["hamstring_tightness"]
        assert ("piriformis_stretch" in exercises) == piriformis, answers
        assert ("hamstring_stretch" in exercises) == hamstring, answers
        assert ("knee_to_chest" in exercises) == (not leg), answers


def test_review_advice_from_age_fifty_only():
    assert "review_if_not_better" in triage(with_answers(age=50))["routine"]["advice"]
    assert "review_if_not_better" not in triage(with_answers(age=49))["routine"]["advice"]


def test_evaluator_catches_a_missing_red_flag_rule():
    """Guard for the checks above: without the saddle numbness rule, the CES case fails."""
    crippled = KB.model_copy(
        update={"rules": [r for r in KB.rules if r.slug != "ces_saddle_numbness"]}
    )
    assert triage(with_answers(saddle_numbness=True), kb=crippled)["level"] == "self_care"


@pytest.mark.parametrize("exercise", KB.exercises, ids=lambda e: e.slug)
def test_steps_leave_the_dose_to_the_dose_fields(exercise):
    """A clinician who changes a hold or a count must not leave old numbers in the steps."""
    for step in exercise.instructions:
        assert not re.search(r"\b\d+\s*(seconds?|secs?|times|reps?|minutes?)\b", step), step


# --- reading the files ----------------------------------------------------------------

def test_the_fast_yaml_reader_reads_exactly_what_the_python_one_does():
    """Loads use libyaml where PyYAML has it; the result must be the same data."""
    import yaml

    from rules.defaults import FILES, KNOWLEDGE_DIR, _parsed, _stamp

    stamps = tuple(_stamp(KNOWLEDGE_DIR / f"{n}.yaml") for n in FILES)
    for name in FILES:
        text = (KNOWLEDGE_DIR / f"{name}.yaml").read_text("utf-8")
        assert _parsed(KNOWLEDGE_DIR, stamps)[name] == yaml.load(text, Loader=yaml.SafeLoader)


def test_a_load_sees_a_changed_file_and_callers_cannot_change_the_next_load(tmp_path):
    import shutil

    from rules.defaults import KNOWLEDGE_DIR

    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, folder)
    first = load_default_knowledge_base(folder)
    original = first.exercises[1].name
    count = len(first.exercises)
    first.exercises.clear()  # the items are frozen; their lists are not
    assert len(load_default_knowledge_base(folder).exercises) == count

    rules = folder / "exercises.yaml"
    stamp = rules.stat().st_mtime_ns
    rules.write_text(rules.read_text("utf-8").replace(original, original + " (edited)"),
                     "utf-8")
    os.utime(rules, ns=(stamp, stamp))  # as a file system with coarse times might leave it
    assert load_default_knowledge_base(folder).exercises[1].name == original + " (edited)"
