"""A whole course without the database: validate a check-in, and run a history of them.

Used by the check-in vignettes of the publish gate, the admin's try-it, and the tests;
the pages and the API store each step (service.followup.store).
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ValidationError

from service.followup.checkin import CheckinAnswers
from service.followup.plan import CheckinOutcome
from service.followup.progression import first_plan
from service.followup.retriage import (
    CHECKIN_EVERY_DAYS,
    CourseState,
    assess_checkin,
    closes_course,
    next_state,
    spreading_choices,
)
from service.triage.intake import Intake
from service.triage.outcome import Outcome
from service.triage.parsing import IntakeError, validate_intake
from service.triage.parsing import _message as field_message

SIMULATED_START = date(2026, 1, 5)


class CourseClosed(Exception):
    """No check-in can be taken: the result gave no routine, or a check-in sent the person
    to a doctor urgently."""


def validate_answers(data: dict, state: CourseState) -> BaseModel:
    """Check-in answers from decoded JSON, or IntakeError naming every bad field."""
    try:
        answers = CheckinAnswers.model_validate(data)
    except ValidationError as error:
        fields = {}
        for e in error.errors():
            fields.setdefault(".".join(str(p) for p in e["loc"]) or "body", field_message(e))
        raise IntakeError(fields) from None
    allowed = [value for value, _label in spreading_choices(state.plan)]
    if answers.spreading_exercise not in allowed:
        raise IntakeError({"spreading_exercise": f"must be one of {', '.join(allowed)}"})
    return answers


def start_state(intake: Intake, outcome: Outcome) -> CourseState:
    """The course a result opens, or CourseClosed when it gave no routine."""
    if outcome.routine is None:
        raise CourseClosed("the result gave no routine to follow")
    return CourseState(intake=intake, plan=first_plan(outcome.routine), week=1)


def run_course(loaded, intake: dict, checkins: list[dict],
               reference: str = "COURSE") -> tuple[Outcome, list[CheckinOutcome]]:
    """The first outcome and each check-in's, a week apart, with `loaded`'s rules.

    Stops early when a check-in ends the course. Raises IntakeError for bad answers and
    CourseClosed when the intake gives no routine.
    """
    first = validate_intake(intake)
    start = loaded.assess(first, reference)
    state = start_state(first, start)
    results: list[CheckinOutcome] = []
    for number, data in enumerate(checkins, start=1):
        answers = validate_answers(data, state)
        days = CHECKIN_EVERY_DAYS * number
        outcome, facts = assess_checkin(loaded, state, answers, reference, days,
                                        SIMULATED_START + timedelta(days=days))
        results.append(outcome)
        if closes_course(outcome.triage_level):
            break
        state = next_state(state, outcome, facts)
    return start, results
