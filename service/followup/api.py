"""The follow-up in the JSON API: post a week's check-in, read a course's history.

The result's secret token travels in the `X-Result-Token` header, never in the address,
so it stays out of access logs. A wrong token, an unknown reference and a deleted record
all get the same 404.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, Field
from spectree import Response

from service.api.routes import InvalidIntake, spec
from service.extensions import csrf
from service.followup.checkin import CheckinAnswers
from service.followup.course import CourseClosed
from service.followup.plan import CheckinOutcome, WeekPlan
from service.followup.store import AlreadyCheckedIn, Course, open_course, take_checkin
from service.patient.result_access import load_record
from service.triage.parsing import IntakeError, parse_json_object

bp = Blueprint("followup_api", __name__)
csrf.exempt(bp)

TOKEN_HEADER = "X-Result-Token"


class ResultToken(BaseModel):
    """The secret token from the result's lasting address."""

    x_result_token: str = Field(alias=TOKEN_HEADER)


class Problem(BaseModel):
    error: str


class CheckinEntry(BaseModel):
    week: int
    created_at: datetime
    answers: dict
    outcome: CheckinOutcome


class CourseHistory(BaseModel):
    """A course: where it started, each check-in, and what is next."""

    reference: str
    started_at: datetime
    start_pain: int
    start_triage_level: str
    open: bool  # whether a check-in can be taken now
    closed_because: str | None  # no_routine, referred or finished
    current_plan: WeekPlan | None
    next_checkin: date | None
    checkins: list[CheckinEntry]


def _course(reference: str) -> Course | None:
    return open_course(load_record(reference, request.headers.get(TOKEN_HEADER, "")))


def _not_found():
    return jsonify({"error": "no result with this reference and token"}), 404


def history(course: Course) -> CourseHistory:
    """The course as the API and `export` give it."""
    due = (course.last_activity + timedelta(days=7)).date() if course.state else None
    return CourseHistory(
        reference=course.record.reference, started_at=course.record.created_at,
        start_pain=course.intake.pain_score, start_triage_level=course.start.triage_level,
        open=course.state is not None, closed_because=course.closed_because or None,
        current_plan=course.current_plan, next_checkin=due,
        checkins=[CheckinEntry(week=c.week, created_at=c.created_at, answers=c.answers,
                               outcome=CheckinOutcome.model_validate(c.outcome))
                  for c in course.checkins])


@bp.post("/api/v1/results/<reference>/checkins")
@spec.validate(json=CheckinAnswers, headers=ResultToken,
               resp=Response(HTTP_200=CheckinOutcome, HTTP_400=InvalidIntake,
                             HTTP_404=Problem, HTTP_409=Problem, HTTP_415=InvalidIntake,
                             HTTP_422=InvalidIntake),
               skip_validation=True, tags=["follow-up"])
def post_checkin(reference: str):
    """This week's check-in: triaged again; a referral, next week's plan, or both."""
    if request.mimetype != "application/json":
        return jsonify({"error": "invalid check-in",
                        "fields": {"body": "must be sent as application/json"}}), 415
    course = _course(reference)
    if course is None:
        return _not_found()
    try:
        outcome = take_checkin(course, parse_json_object(request.get_data(cache=False)))
    except IntakeError as error:
        return jsonify({"error": "invalid check-in", "fields": error.fields}), error.status
    except CourseClosed:
        return jsonify({"error": "no check-in can be taken: " + (
            course.closed_because or "closed")}), 409
    except AlreadyCheckedIn:
        return jsonify({"error": "this week's check-in was already sent"}), 409
    return jsonify(outcome.model_dump(mode="json"))


@bp.get("/api/v1/results/<reference>/checkins")
@spec.validate(headers=ResultToken, resp=Response(HTTP_200=CourseHistory, HTTP_404=Problem),
               skip_validation=True, tags=["follow-up"])
def get_history(reference: str):
    """The course so far: the start, every check-in and its outcome, the current plan."""
    course = _course(reference)
    if course is None:
        return _not_found()
    return jsonify(history(course).model_dump(mode="json"))
