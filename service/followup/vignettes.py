"""Check-in vignettes: a first intake, its weekly check-ins, and the safe last outcome.

They sit in the same table as the intake vignettes (`Vignette.checkins` set) and every
publish runs them. A vignette's check-in lists only what differs from a quiet week: each
safety question it leaves out is answered "no" (leg pain as at the intake), so a safety
question added to the intake later does not invalidate the stored vignettes.
"""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import select

from service.followup.checkin import CheckinAnswers, safety_names
from service.followup.course import CourseClosed, run_course
from service.followup.plan import CheckinOutcome
from service.triage.parsing import IntakeError

QUIET_WEEK = {"exercise_days": 5, "skipped_for_pain": False, "spreading_exercise": "none"}


def checkin_vignettes_file() -> list[dict]:
    """The check-in vignettes shipped with the service."""
    text = (resources.files("service").joinpath("data/vignettes_checkins.json")
            .read_text("utf-8"))
    return json.loads(text)


def complete(intake: dict, checkin: dict) -> dict:
    """A vignette's check-in with every unmentioned question answered as a quiet week."""
    answers = dict(QUIET_WEEK, leg_pain=intake.get("leg_pain", "none"))
    for name in safety_names():
        field = CheckinAnswers.model_fields[name]
        if field.is_required():
            answers[name] = "none" if name == "leg_weakness" else False
    return answers | checkin


def course_problems(expect: dict, last: CheckinOutcome | None) -> list[str]:
    """How the last check-in's outcome falls short of `expect`; empty when it meets it."""
    if last is None:
        return ["no check-in was assessed"]
    problems = []
    levels = expect.get("levels")
    if levels and last.triage_level not in levels:
        problems.append(f"week {last.week}: level {last.triage_level}, expected one of "
                        f"{', '.join(levels)}")
    plan = last.plan
    # The keys of an intake vignette's `expect`, so the panel's vignette form keeps them:
    # "routine" is whether a plan is given, walking.last_week_min next week's minutes.
    if "routine" in expect and expect["routine"] != (plan is not None):
        problems.append("a plan was given" if plan else "no plan was given")
    slugs = {e.slug for e in plan.exercises} if plan else set()
    problems += [f"exercise {s} missing from the plan"
                 for s in expect.get("exercises_include", []) if s not in slugs]
    problems += [f"exercise {s} still in the plan"
                 for s in expect.get("exercises_exclude", []) if s in slugs]
    floor = (expect.get("walking") or {}).get("last_week_min")
    if floor is not None and (plan is None or plan.walking_minutes < floor):
        got = plan.walking_minutes if plan else "no plan"
        problems.append(f"walking next week {got}, expected at least {floor} minutes")
    return problems


def check_course(loaded, vignette: dict) -> tuple[str | None, list[str], list[str]]:
    """(last level, rules fired at the last check-in, problems) for one check-in vignette."""
    checkins = [complete(vignette["intake"], c) for c in vignette["checkins"]]
    try:
        _start, results = run_course(loaded, vignette["intake"], checkins, "VIGNETTE")
    except IntakeError as error:
        return None, [], [f"the vignette's answers are invalid: {error.fields}"]
    except CourseClosed as error:
        return None, [], [f"the course never started: {error}"]
    last = results[-1] if results else None
    problems = course_problems(vignette["expect"], last)  # an early end is judged the same
    fired = [r.rule for r in last.reasons] if last else []
    return (last.triage_level if last else None), fired, problems


def seed_checkin_vignettes(session, model) -> None:
    """Add the shipped check-in vignettes when none is stored yet (does not commit)."""
    if session.scalar(select(model.id).where(model.checkins.is_not(None)).limit(1)):
        return
    taken = set(session.scalars(select(model.slug)))
    for v in checkin_vignettes_file():
        if v["id"] not in taken:
            session.add(model(slug=v["id"], note=v.get("note", ""), intake=v["intake"],
                              checkins=v["checkins"], expect=v["expect"]))
