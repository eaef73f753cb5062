"""Clinical test vignettes: given answers, the safe outcome. The gate every publish passes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pydantic import ValidationError

from rules.schema import KnowledgeBase
from service.triage.gate_wording import LEVEL_SHORT
from service.triage.intake import Intake
from service.triage.outcome import Outcome


@dataclass
class VignetteResult:
    slug: str
    expected: dict
    level: str | None = None
    fired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def expectation_problems(expect: dict, outcome: Outcome) -> list[str]:
    """How `outcome` falls short of a vignette's `expect`; empty when it meets it."""
    problems = []
    levels = expect.get("levels")
    if levels and outcome.triage_level not in levels:
        expected = " or ".join(f"“{LEVEL_SHORT.get(lv, lv)}”" for lv in levels)
        problems.append(f"told “{LEVEL_SHORT.get(outcome.triage_level)}”, expected "
                        f"{expected}")
    routine = outcome.routine
    if "routine" in expect and expect["routine"] != (routine is not None):
        problems.append("a routine was given" if routine else "no routine was given")
    exercises = {e.slug for e in routine.exercises} if routine else set()
    categories = {e.category for e in routine.exercises} if routine else set()
    advice = {a.slug for a in routine.advice} if routine else set()
    for slug in expect.get("exercises_include", []):
        if slug not in exercises:
            problems.append(f"exercise {slug} missing")
    for category in expect.get("categories_include", []):
        if category not in categories:
            problems.append(f"no {category} exercise")
    for slug in expect.get("advice_include", []):
        if slug not in advice:
            problems.append(f"advice {slug} missing")
    for slug in expect.get("advice_exclude", []):
        if slug in advice:
            problems.append(f"advice {slug} given but should not be")
    walking = expect.get("walking")
    if walking:
        plan = [w.minutes_per_day for w in routine.walking_plan] if routine else []
        if not plan:
            problems.append("no walking plan")
        else:
            if "first_week_max" in walking and plan[0] > walking["first_week_max"]:
                problems.append(f"walking starts at {plan[0]} min, expected at most "
                                f"{walking['first_week_max']}")
            if "last_week_min" in walking and plan[-1] < walking["last_week_min"]:
                problems.append(f"walking ends at {plan[-1]} min, expected at least "
                                f"{walking['last_week_min']}")
    return problems


def _course(loaded, vignette: dict) -> tuple[str | None, list[str], list[str]]:
    # Late: the follow-up package imports the ruleset, which imports Flask-bound db.
    from service.followup.vignettes import check_course

    try:
        return check_course(loaded, vignette)
    except Exception as error:  # a draft that cannot run must not be published
        return None, [], [f"evaluation failed: {error}"]


def check_vignettes(kb: KnowledgeBase, vignettes: list[dict]) -> list[VignetteResult]:
    """Run every vignette (`{"id"|"slug", "intake", "expect"}`) against `kb` in the engine."""
    from service.triage.ruleset import LoadedVersion  # late: ruleset imports Flask-bound db

    loaded = LoadedVersion(0, kb, prefix=f"draft_{uuid.uuid4().hex[:8]}")
    results = []
    try:
        for v in vignettes:
            result = VignetteResult(slug=v.get("slug") or v["id"], expected=v["expect"])
            if v.get("checkins"):  # a follow-up course: judged on its last check-in
                result.level, result.fired, result.problems = _course(loaded, v)
                results.append(result)
                continue
            try:
                intake = Intake.model_validate(v["intake"])
            except ValidationError as error:
                result.problems.append(f"the vignette's answers are invalid: {error}")
                results.append(result)
                continue
            try:
                outcome = loaded.assess(intake, reference="VIGNETTE")
            except Exception as error:  # a draft that cannot run must not be published
                result.problems.append(f"evaluation failed: {error}")
            else:
                result.level = outcome.triage_level
                result.fired = [r.rule for r in outcome.reasons]
                result.problems = expectation_problems(v["expect"], outcome)
            results.append(result)
    finally:
        loaded.close()
    return results
