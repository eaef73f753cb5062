"""Triage a check-in again: the intake's rules on today's answers, plus the course's facts.

A check-in is assessed as the intake it updates (the original answers with this week's
pain, walking and safety answers), so a new red flag gets exactly the referral a first
intake with that flag would get. A warning sign once reported stays reported: a yes is
never undone by a later no, and a choice keeps its most severe answer, so a referral
cannot quietly lapse. The check-in's own facts (service.followup.facts) let clinicians'
course rules escalate on the history, in the same editor and behind the same gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args, get_origin

from pydantic import BaseModel

from rules.engine import EngineError
from rules.levels import urgency
from rules.schema import Refer, iter_leaves
from rules.vocabulary import base_type
from service.followup.checkin import ALSO_ASKED, NO_EXERCISE, safety_names
from service.followup.facts import CheckinFacts
from service.followup.plan import CheckinOutcome, WeekPlan
from service.followup.progression import WALKING, next_plan
from service.triage.intake import Intake, intake_facts

CHECKIN_EVERY_DAYS = 7
WORSE_BY = 2  # points on the 0-10 scale: a clinically important change (Ostelo 2008)
COURSE_FIELDS = frozenset(CheckinFacts.model_fields)


@dataclass(frozen=True)
class CourseState:
    """Where a course stands before a check-in."""

    intake: Intake  # the first intake's answers
    plan: WeekPlan  # the plan being reported on
    week: int  # this check-in's week: 1 for the first
    streak: int = 0  # earlier check-ins in a row with pain 2 or more points worse


def _more_severe(name: str, old, new):
    base, _ = base_type(Intake.model_fields[name].annotation)
    if isinstance(new, bool):
        return bool(old) or new
    if get_origin(base) is Literal and old is not None:
        order = get_args(base)
        return max(old, new, key=order.index)
    return new if new is not None else old


def checkin_intake(original: Intake, answers: BaseModel, days_elapsed: int) -> Intake:
    """The intake a check-in amounts to: the original, updated by this week's answers."""
    data = original.model_dump(mode="json", exclude={"start_back_risk"}, exclude_none=True)
    for name in [*ALSO_ASKED, *safety_names()]:
        value = _more_severe(name, data.get(name), getattr(answers, name))
        if value is not None:
            data[name] = value
    data["pain_score"] = answers.pain_now
    data["walking_minutes"] = answers.walking_minutes
    data["days_since_onset"] = min(36500, original.days_since_onset + max(0, days_elapsed))
    return Intake.model_validate(data, strict=False)  # JSON-typed data of valid models


def checkin_facts(state: CourseState, answers: BaseModel) -> CheckinFacts:
    """The course facts of one check-in, from its answers and the history."""
    change = answers.pain_now - state.intake.pain_score
    return CheckinFacts(
        checkin_week=state.week,
        pain_change_from_start=change,
        worse_by_2_streak=state.streak + 1 if change >= WORSE_BY else 0,
        peripheralised=answers.spreading_exercise != NO_EXERCISE,
        exercises_skipped_for_pain=answers.skipped_for_pain,
        exercise_days=answers.exercise_days,
        walking_managed=answers.walking_minutes >= state.plan.walking_minutes,
    )


def spreading_choices(plan: WeekPlan) -> list[tuple[str, str]]:
    """(value, label) of the exercises a person can say spread the pain, and 'No'."""
    return ([(NO_EXERCISE, "No")] + [(e.slug, e.name) for e in plan.exercises]
            + [(WALKING, "Walking")])


def course_rules(kb) -> frozenset[str]:
    """Slugs of the referral rules that read a check-in fact: they hold the plan."""
    return frozenset(r.slug for r in kb.rules if isinstance(r.action, Refer) and any(
        leaf.field in COURSE_FIELDS for leaf in iter_leaves(r.conditions)))


def assess_checkin(loaded, state: CourseState, answers: BaseModel, reference: str,
                   days_elapsed: int, today: date,
                   early: bool = False) -> tuple[CheckinOutcome, CheckinFacts]:
    """Triage one check-in with `loaded` (a service.triage.ruleset.LoadedVersion).

    An `early` check-in (less than a week after the last) is triaged in full, but its
    plan does not step up: a plan built week by week must not climb day by day.
    """
    facts = checkin_facts(state, answers)
    intake = checkin_intake(state.intake, answers, days_elapsed)
    version, fired = loaded.engine.evaluate(intake_facts(intake) | facts.model_dump())
    if version != loaded.version:
        raise EngineError(f"engine answered with version {version}, not {loaded.version}")
    outcome = loaded.assembler.assemble(reference, fired, intake)
    hold = bool(course_rules(loaded.kb) & set(fired))
    stop = answers.spreading_exercise if facts.peripheralised else None
    names = dict(spreading_choices(state.plan))
    plan = None
    if outcome.routine is not None:
        library = {e.slug: e for e in loaded.kb.exercises}
        current = state.plan.model_copy(update={"week": state.week})
        plan = next_plan(current, outcome.routine, library, answers.walking_minutes,
                         answers.exercise_days, hold or early, stop)
    return CheckinOutcome(
        reference=reference, week=state.week, triage_level=outcome.triage_level,
        referral=outcome.referral, reasons=outcome.reasons, stop_exercise=stop,
        stop_exercise_name=names.get(stop) if stop else None, held=hold, early=early,
        plan=plan, next_checkin=today + timedelta(days=CHECKIN_EVERY_DAYS) if plan else None,
        ruleset_version=outcome.ruleset_version), facts


def closes_course(level: str) -> bool:
    """Whether a check-in at `level` ends the course: a doctor must be seen today or sooner."""
    return urgency(level) < urgency("consultation")


def next_state(state: CourseState, outcome: CheckinOutcome, facts: CheckinFacts) -> CourseState:
    """The course after a check-in (the plan stays when no routine could be given)."""
    return CourseState(intake=state.intake, plan=outcome.plan or state.plan,
                       week=state.week + 1, streak=facts.worse_by_2_streak)
