"""Courses of weekly check-ins against the default rules: level and plan, week by week."""

from __future__ import annotations

import random

import pytest

from rules.defaults import load_default_knowledge_base
from service.followup.course import run_course
from service.followup.progression import next_walking
from service.triage.intake import Intake
from service.triage.ruleset import LoadedVersion
from service.triage.walking import TARGET_MINUTES
from tests.service.followup_helpers import START, week


@pytest.fixture(scope="module")
def loaded():
    version = LoadedVersion(1, load_default_knowledge_base(), prefix="course_test")
    yield version
    version.close()


def course(loaded, checkins, start=START):
    return run_course(loaded, start, checkins)[1]


SCENARIOS = {
    # name: (check-ins, [(level, walking minutes next week or None for no plan), ...])
    "improving: the plan steps up every week": (
        [week(5, 10), week(4, 15), week(3, 20)],
        [("self_care", 15), ("self_care", 20), ("self_care", 25)]),
    "walking not managed: the same week again": (
        [week(5, 10), week(5, 12), week(4, 15)],
        [("self_care", 15), ("self_care", 15), ("self_care", 20)]),
    "more than planned: never below what they manage": (
        [week(5, 30), week(4, 50)],
        [("self_care", 30), ("self_care", 50)]),
    "saddle numbness at week 3: A&E, no plan": (
        [week(5, 10), week(4, 15), week(4, 15, saddle_numbness=True)],
        [("self_care", 15), ("self_care", 20), ("emergency", None)]),
    "bladder change at week 2: A&E": (
        [week(5, 10), week(5, 10, bladder_bowel_change=True)],
        [("self_care", 15), ("emergency", None)]),
    "a leg getting weaker: a doctor today, no plan": (
        [week(5, 10), week(5, 10, leg_weakness="worsening")],
        [("self_care", 15), ("consultation_24", None)]),
    "worse by 2 at two check-ins: physiotherapist, plan held": (
        [week(8, 10), week(8, 10), week(9, 10)],
        [("self_care", 15), ("consultation", 15), ("consultation", 15)]),
    "worse once, then better: no referral": (
        [week(8, 10), week(5, 15)],
        [("self_care", 15), ("self_care", 20)]),
    "an exercise spread the pain: stop it, physiotherapist": (
        [week(5, 10), week(5, 15, spreading_exercise="piriformis_stretch")],
        [("self_care", 15), ("consultation", 15)]),
    "exercises skipped for pain: physiotherapist, plan held": (
        [week(6, 10, days=1, skipped_for_pain=True)],
        [("consultation", 10)]),
    "no improvement of 2 points by week 6: review": (
        [week(6, 10), week(5, 15), week(6, 20), week(5, 25), week(5, 30), week(5, 35)],
        [("self_care", 15), ("self_care", 20), ("self_care", 25), ("self_care", 30),
         ("self_care", 35), ("consultation", 35)]),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_course_week_by_week(loaded, name):
    checkins, expected = SCENARIOS[name]
    results = course(loaded, checkins)
    got = [(r.triage_level, r.plan.walking_minutes if r.plan else None) for r in results]
    assert got == expected


def test_a_red_flag_at_week_3_gets_the_same_referral_as_a_first_intake(loaded):
    results = course(loaded, [week(5, 10), week(4, 15), week(4, 15, saddle_numbness=True)])
    first = loaded.assess(Intake.model_validate(START | {"saddle_numbness": True}), "X")
    last = results[-1]
    assert last.referral.message == first.referral.message
    assert "ces_saddle_numbness" in [r.rule for r in last.reasons]
    assert last.plan is None and last.next_checkin is None


def test_worsening_twice_names_the_course_rule_and_says_physiotherapist(loaded):
    last = course(loaded, [week(8, 10), week(8, 10)])[-1]
    assert last.held and last.referral.level == "consultation"
    assert [r.rule for r in last.referral.reasons] == ["course_pain_worse_twice"]
    assert "physiotherapist" in last.referral.message


def test_the_exercise_that_spread_the_pain_leaves_the_plan_for_good(loaded):
    results = course(loaded, [week(5, 10, spreading_exercise="piriformis_stretch"),
                              week(4, 10), week(3, 15)])
    assert results[0].stop_exercise == "piriformis_stretch"
    for r in results:
        assert "piriformis_stretch" not in {e.slug for e in r.plan.exercises}


def test_doses_step_up_by_the_library_steps_and_stop_at_the_ceiling(loaded):
    results = course(loaded, [week(5, 10 + 5 * i) for i in range(8)])
    tilt = [next(e for e in r.plan.exercises if e.slug == "pelvic_tilt") for r in results]
    assert [e.hold_seconds for e in tilt] == [6, 7, 8, 9, 10, 10, 10, 10]
    assert [e.reps for e in tilt] == [11, 12, 13, 14, 15, 15, 15, 15]
    stretch = [next(e for e in r.plan.exercises if e.slug == "hamstring_stretch")
               for r in results]
    assert {e.hold_seconds for e in stretch} == {30} and stretch[-1].reps == 4


def test_doses_hold_when_exercises_were_done_on_fewer_than_three_days(loaded):
    results = course(loaded, [week(5, 10, days=2), week(5, 15, days=2)])
    tilt = [next(e for e in r.plan.exercises if e.slug == "pelvic_tilt") for r in results]
    assert [(e.hold_seconds, e.reps) for e in tilt] == [(5, 10), (5, 10)]


def test_bird_dog_unlocks_at_week_2_even_when_no_rule_chose_it(loaded):
    start = START | {"days_since_onset": 0}  # no bird dog rule until day 14
    results = course(loaded, [week(5, 10)], start=start)
    first_plan = run_course(loaded, start, [])[0].routine
    assert "bird_dog" not in {e.slug for e in first_plan.exercises}
    assert "bird_dog" in {e.slug for e in results[0].plan.exercises}  # plan for week 2


@pytest.mark.parametrize("seed", range(40))
def test_the_plan_never_falls_never_passes_the_target_nor_drops_below_what_is_managed(
        loaded, seed):
    rng = random.Random(seed)
    start = START | {"walking_minutes": rng.choice([None, 0, 5, 10, 25, 45, 60, 90]),
                     "pain_score": rng.randint(2, 9)}
    start = {k: v for k, v in start.items() if v is not None}
    checkins = [week(rng.randint(0, 10), rng.randint(0, 90), days=rng.randint(0, 7),
                     skipped_for_pain=rng.random() < 0.1,
                     spreading_exercise="none" if rng.random() < 0.9 else "walking")
                for _ in range(rng.randint(1, 12))]
    start_plan, results = run_course(loaded, start, checkins)
    minutes = [start_plan.routine.walking_plan[0].minutes_per_day]
    for answers, result in zip(checkins, results, strict=False):
        assert result.plan is not None  # no red flags in these courses
        nxt = result.plan.walking_minutes
        assert minutes[-1] <= nxt <= TARGET_MINUTES
        assert nxt >= min(answers["walking_minutes"], TARGET_MINUTES)
        minutes.append(nxt)
    doses: dict[str, tuple] = {}
    for r in results:  # no exercise's dose ever falls from one week to the next
        for e in r.plan.exercises:
            dose = (e.hold_seconds or 0, e.reps or 0, e.sets or 0)
            assert all(a >= b for a, b in zip(dose, doses.get(e.slug, dose), strict=True))
            doses[e.slug] = dose


@pytest.mark.parametrize("planned, managed, hold, expected", [
    (10, 10, False, 15), (10, 9, False, 10), (7, 7, False, 10), (55, 60, False, 60),
    (60, 60, False, 60), (10, 40, False, 40), (10, 40, True, 40), (20, 20, True, 20),
    (30, 200, False, 60),
])
def test_next_walking(planned, managed, hold, expected):
    assert next_walking(planned, managed, hold) == expected


def test_every_shipped_check_in_vignette_passes_and_each_can_fail(loaded):
    from service.followup.vignettes import check_course, checkin_vignettes_file

    for vignette in checkin_vignettes_file():
        level, _fired, problems = check_course(loaded, vignette)
        assert problems == [], vignette["id"]
        wrong = [lv for lv in ("self_care", "emergency") if lv != level][0]
        _, _, problems = check_course(loaded, vignette | {"expect": {"levels": [wrong]}})
        assert problems and problems[0].startswith(f"week {len(vignette['checkins'])}")
    improving = next(v for v in checkin_vignettes_file()
                     if v["id"] == "course-improving-three-weeks")
    _, _, problems = check_course(loaded, improving | {"expect": {
        "routine": False, "walking": {"last_week_min": 30}, "exercises_include": ["yoga"]}})
    assert problems == ["a plan was given", "exercise yoga missing from the plan",
                        "walking next week 25, expected at least 30 minutes"]
