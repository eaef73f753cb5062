"""A course as stored: the intake's record, its check-ins, and taking the next one.

Each check-in is assessed against the active published version exactly like an intake
(service.triage.assessment.assess): an engine error is retried once, and any failure gives a
referral to a doctor and no plan, never a routine. It is committed before anyone is
answered; a second post for the same week is refused by the database, not stored twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rules import EngineError
from service.extensions import db
from service.followup.course import CourseClosed, start_state, validate_answers
from service.followup.facts import MAX_WEEKS, CheckinFacts
from service.followup.models import Checkin
from service.followup.plan import CheckinOutcome, WeekPlan
from service.followup.retriage import (
    CourseState,
    assess_checkin,
    checkin_facts,
    closes_course,
    next_state,
)
from service.store.models import TriageRecord, utcnow
from service.triage.fail_safe import fail_safe
from service.triage.intake import Intake
from service.triage.outcome import Outcome
from service.triage.ruleset import active_ruleset

log = logging.getLogger(__name__)

# A check-in sooner than this after the last one is triaged but does not step the plan up.
MIN_DAYS_BETWEEN = 6


class AlreadyCheckedIn(Exception):
    """This week's check-in was stored by another request first."""


@dataclass
class Course:
    """One record's course: where it started, the check-ins so far, and what is next."""

    record: TriageRecord
    intake: Intake
    start: Outcome
    checkins: list[Checkin] = field(default_factory=list)
    state: CourseState | None = None  # None: no further check-in can be taken
    closed_because: str = ""

    @property
    def outcomes(self) -> list[CheckinOutcome]:
        return [CheckinOutcome.model_validate(c.outcome) for c in self.checkins]

    @property
    def current_plan(self) -> WeekPlan | None:
        return self.state.plan if self.state else None

    @property
    def last_activity(self) -> datetime:
        return self.checkins[-1].created_at if self.checkins else self.record.created_at


def aware(moment: datetime) -> datetime:
    """`moment` with its time zone (UTC when the database dropped it)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def open_course(record: TriageRecord | None) -> Course | None:
    """`record`'s course, or None when there is no record or its answers no longer read."""
    if record is None:
        return None
    try:
        return load_course(record)
    except ValidationError:
        # Stored under an older model: what the person was told stays in the record, but
        # no new check-in can be assessed against answers this version cannot read.
        log.warning("a stored course no longer validates; treated as unavailable")
        return None


def load_course(record: TriageRecord) -> Course:
    """The course of `record`, replayed from what was stored (nothing is re-assessed)."""
    intake = Intake.model_validate(record.intake, strict=False)
    start = Outcome.model_validate(record.outcome)
    rows = list(db.session.scalars(select(Checkin).where(Checkin.record_id == record.id)
                                   .order_by(Checkin.week)))
    course = Course(record, intake, start, rows)
    try:
        state = start_state(intake, start)
    except CourseClosed:
        course.closed_because = "no_routine"
        return course
    for row in rows:
        outcome = CheckinOutcome.model_validate(row.outcome)
        if closes_course(outcome.triage_level):
            course.closed_because = "referred"
            return course
        state = next_state(state, outcome, CheckinFacts.model_validate(row.facts))
    if state.week > MAX_WEEKS:
        course.closed_because = "finished"
        return course
    course.state = state
    return course


def states_before(course: Course) -> list[tuple[CourseState, Checkin]]:
    """Each stored check-in with the course as it stood just before it (for replays)."""
    try:
        state = start_state(course.intake, course.start)
    except CourseClosed:
        return []
    pairs = []
    for row in course.checkins:
        pairs.append((state, row))
        state = next_state(state, CheckinOutcome.model_validate(row.outcome),
                           CheckinFacts.model_validate(row.facts))
    return pairs


def _fail_safe(state: CourseState, reference: str, version: int | None) -> CheckinOutcome:
    told = fail_safe(reference, version, state.intake)
    return CheckinOutcome(reference=reference, week=state.week, triage_level=told.triage_level,
                          referral=told.referral, reasons=told.reasons, held=True, plan=None,
                          next_checkin=None, ruleset_version=version)


def assess(state: CourseState, answers, reference: str, days: int, now: datetime,
           early: bool = False):
    """(outcome, facts) of one check-in against the active version; fails safe."""
    ruleset = active_ruleset()
    version = None
    for _attempt in range(2):
        try:
            loaded = ruleset.current()
            if loaded is None:
                break
            version = loaded.version
            return assess_checkin(loaded, state, answers, reference, days, now.date(), early)
        except EngineError:
            log.warning("engine error on version %s during a check-in; retrying", version)
            ruleset.expire()
        except Exception:
            log.exception("check-in assessment failed: referring to a doctor")
            break
    return _fail_safe(state, reference, version), None


def take_checkin(course: Course, data: dict) -> CheckinOutcome:
    """Validate, assess and store this week's check-in (IntakeError for bad answers)."""
    if course.state is None:
        raise CourseClosed(course.closed_because)
    state = course.state
    answers = validate_answers(data, state)
    now = utcnow()
    days = (now - aware(course.record.created_at)).days
    since_last = now - aware(course.last_activity)
    early = since_last.days < current_app.config.get("CHECKIN_MIN_DAYS", MIN_DAYS_BETWEEN)
    outcome, facts = assess(state, answers, course.record.reference, days, now, early)
    if facts is None:  # failed safe: the course facts are still what the person reported
        facts = checkin_facts(state, answers)
    outcome = outcome.model_copy(update={"created_at": now})
    db.session.add(Checkin(record_id=course.record.id, week=state.week, created_at=now,
                           answers=answers.model_dump(mode="json"),
                           facts=facts.model_dump(), outcome=outcome.model_dump(mode="json"),
                           triage_level=outcome.triage_level,
                           ruleset_version=outcome.ruleset_version))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyCheckedIn(state.week) from None
    return outcome
