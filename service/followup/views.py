"""The patient's check-in and progress pages, at the result's lasting address.

Only the reference with its secret token opens them (service.patient.result_access); anything
else gets the same "no longer available" page as the result itself. A check-in is sent
with post/redirect/get: the answer is a 303 to the progress page.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from service.followup import form as checkin_form
from service.followup.chart import Row, chart
from service.followup.course import CourseClosed
from service.followup.store import AlreadyCheckedIn, Course, open_course, take_checkin
from service.patient.result_access import load_record, result_url
from service.patient.result_pages import not_available
from service.patient.result_view import day
from service.patient.web_form import field_id, hint
from service.triage.parsing import IntakeError

bp = Blueprint("followup", __name__, url_prefix="/result")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # health data: never cached
    return response


def rows(course: Course) -> list[Row]:
    """The start and every check-in, as the chart and the table show them."""
    said = course.intake.walking_minutes  # what they could walk then, else the first plan
    if said is None:
        said = course.start.routine.walking_plan[0].minutes_per_day if course.start.routine \
            else 0
    start = Row(0, "Start", day(course.record.created_at), course.intake.pain_score, said,
                course.start.triage_level)
    return [start] + [Row(c.week, f"Week {c.week}", day(c.created_at),
                          c.answers["pain_now"], c.answers["walking_minutes"], c.triage_level)
                      for c in course.checkins]


def _render_checkin(course: Course, reference: str, token: str, values=None, errors=None,
                    status: int = 200):
    html = render_template(
        "patient/checkin.html", course=course, plan=course.current_plan,
        questions=checkin_form.questions(course.current_plan), answers=values or {},
        errors=errors or {}, field_id=field_id, hint=hint,
        action=url_for("followup.checkin", reference=reference, token=token),
        progress_url=url_for("followup.progress", reference=reference, token=token))
    return _no_store(make_response(html, status))


@bp.route("/<reference>/<token>/checkin", methods=("GET", "POST"))
def checkin(reference: str, token: str):
    """This week's check-in: the form, and sending it."""
    course = open_course(load_record(reference, token))
    if course is None:
        return not_available()
    progress = url_for("followup.progress", reference=reference, token=token)
    if course.state is None:
        return redirect(progress, 303)
    if request.method == "GET":
        return _render_checkin(course, reference, token)
    data = checkin_form.answers_from_form(request.form, course.current_plan)
    try:
        take_checkin(course, data)
    except IntakeError as error:
        errors = checkin_form.patient_errors(error.fields, course.current_plan)
        return _render_checkin(course, reference, token, checkin_form.form_values(data),
                               errors, 422)
    except (AlreadyCheckedIn, CourseClosed):
        pass  # sent twice: the first one counts, and the progress page shows it
    return redirect(progress, 303)


@bp.get("/<reference>/<token>/progress")
def progress(reference: str, token: str):
    """Pain and walking over time, the latest answer, this week's plan, the next date."""
    course = open_course(load_record(reference, token))
    if course is None:
        return not_available()
    history = rows(course)
    outcomes = course.outcomes
    html = render_template(
        "patient/progress.html", course=course, rows=history, chart=chart(history),
        latest=outcomes[-1] if outcomes else None, plan=course.current_plan,
        next_checkin=_next_date(course),
        checkin_url=url_for("followup.checkin", reference=reference, token=token),
        result_url=result_url(reference, token))
    return _no_store(make_response(html))


def _next_date(course: Course) -> str | None:
    """When the next check-in is due, in words; None when no more can be taken."""
    if course.state is None:
        return None
    due = course.last_activity + timedelta(days=7)
    return day(due)
