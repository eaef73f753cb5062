"""The draft on follow-up courses: try a course of check-ins, replay stored check-ins.

Like admin.sandbox, every run uses a private engine (draft_engine) and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select

from admin.sandbox import LevelChange, WhatIf
from service.extensions import db
from service.followup.checkin import CheckinAnswers
from service.followup.course import CourseClosed, run_course
from service.followup.models import Checkin
from service.followup.plan import CheckinOutcome
from service.followup.retriage import assess_checkin
from service.followup.store import aware, load_course, states_before
from service.followup.vignettes import complete
from service.store.models import TriageRecord
from service.triage.parsing import IntakeError


@dataclass
class CourseWeek:
    """One check-in of a tried course: what the draft and the published rules say."""

    week: int
    draft: CheckinOutcome | None
    published: CheckinOutcome | None

    @property
    def changed(self) -> bool:
        def key(o):
            return (o.triage_level, o.plan.walking_minutes if o and o.plan else None) if o \
                else None
        return key(self.draft) != key(self.published)


@dataclass
class CourseTrial:
    weeks: list[CourseWeek] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _run(loaded, intake: dict, checkins: list[dict]) -> list[CheckinOutcome]:
    return run_course(loaded, intake, [complete(intake, c) for c in checkins], "TRY-IT")[1]


def try_course(draft, published, intake: dict, checkins: list[dict]) -> CourseTrial:
    """Run the same course with the draft and (when there is one) the published rules."""
    trial = CourseTrial()
    try:
        mine = _run(draft, intake, checkins)
        theirs = _run(published, intake, checkins) if published else []
    except IntakeError as error:
        trial.problems = [f"{k}: {v}" for k, v in error.fields.items()]
        return trial
    except CourseClosed:
        trial.problems = ["these answers get no routine, so there is no course to follow"]
        return trial
    for n in range(max(len(mine), len(theirs))):
        trial.weeks.append(CourseWeek(n + 1, mine[n] if n < len(mine) else None,
                                      theirs[n] if n < len(theirs) else None))
    return trial


def replay_checkins(loaded, limit: int) -> WhatIf:
    """Assess the latest `limit` stored check-ins with `loaded`: whose level would change?"""
    rows = db.session.scalars(select(Checkin).order_by(Checkin.created_at.desc(),
                                                       Checkin.id.desc()).limit(limit)).all()
    wanted = {row.id for row in rows}
    report = WhatIf()
    for record_id in sorted({row.record_id for row in rows}):
        record = db.session.get(TriageRecord, record_id)
        try:
            course = load_course(record)
        except ValidationError:
            report.skipped.append(record.reference)
            continue
        for state, row in states_before(course):
            if row.id not in wanted:
                continue
            try:
                answers = CheckinAnswers.model_validate(row.answers)
            except ValidationError:
                report.skipped.append(f"{record.reference} week {row.week}")
                continue
            days = (aware(row.created_at) - aware(record.created_at)).days
            outcome, _facts = assess_checkin(loaded, state, answers, record.reference, days,
                                             row.created_at.date())
            report.replayed += 1
            if outcome.triage_level != row.triage_level:
                report.changes.append(LevelChange(
                    f"{record.reference} week {row.week}", row.created_at,
                    row.ruleset_version, row.triage_level, outcome.triage_level,
                    [r.rule for r in outcome.reasons]))
    return report
