"""The patient's web pages: the questionnaire and the result.

The form posts to the same validation and triage as the JSON API. The result is shown
in the response to that post and nowhere else: there is no page that looks an outcome
up by its reference, because the outcome is health data.
"""

from __future__ import annotations

import logging

from flask import Blueprint, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from service import result_view
from service.errors import RETRY_AFTER_SECONDS, URGENT_HELP
from service.extensions import db
from service.intake import SECTIONS, Intake
from service.outcome import Outcome
from service.parsing import IntakeError, validate_intake
from service.questionnaire import questionnaire
from service.records import RecordNotStored
from service.triage import triage
from service.web_form import (
    YES_NO,
    field_id,
    first_control_id,
    flat_questions,
    hint,
    intake_from_form,
    patient_errors,
)

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

NOT_SAVED = ("We could not save your answers just now, so there is no result yet. Your "
             "answers are still filled in below: please press \"See my result\" again in a "
             "few seconds. " + URGENT_HELP)


def _no_store(response):
    # Answers and outcomes are health data: no shared or back-button cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def render_form(answers: MultiDict | None = None, errors: dict[str, str] | None = None,
                notice: str = "", status: int = 200, notice_title: str = "Please answer again"):
    """The questionnaire, with any answers already given and what is wrong with them."""
    errors = errors or {}
    asked = dict(flat_questions())
    # The summary lists problems in the order the questions are asked; unexpected last.
    listed = [name for name in asked if name in errors]
    listed += [name for name in errors if name not in asked]
    html = render_template(
        "patient/form.html",
        sections=list(SECTIONS.items()),
        questions=questionnaire()["questions"],
        answers=answers or MultiDict(),
        errors=errors,
        error_list=[(first_control_id(name, asked.get(name)),
                     asked[name]["label"] if name in asked else name, errors[name])
                    for name in listed],
        notice=notice,
        notice_title=notice_title,
        field_id=field_id,
        hint=hint,
        yes_no=YES_NO,
    )
    return _no_store(make_response(html, status))


@bp.get("/")
def intake_form():
    """The questionnaire, blank."""
    return render_form()


@bp.post("/")
def submit_intake():
    """Triage the answers and show the result, or show the form again with what is wrong."""
    try:
        intake = validate_intake(intake_from_form(request.form))
    except IntakeError as error:
        # Nothing has been stored: triage() is only reached with a valid intake.
        return render_form(request.form, patient_errors(error.fields), status=422)
    try:
        outcome = triage(intake).outcome
    except (RecordNotStored, DBAPIError) as error:
        # The database is unreachable: no result may be shown that was not stored. The
        # patient's own answers (this post passed the CSRF check) are kept for a retry.
        db.session.rollback()
        log.error("form answers not stored: %s", error.__cause__ or error)
        response = render_form(request.form, notice=NOT_SAVED, status=503,
                               notice_title="Your answers could not be saved")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _no_store(make_response(render_result(intake, outcome)))


def render_result(intake: Intake, outcome: Outcome) -> str:
    """The result page for one outcome."""
    referral_rules = {r.rule for r in outcome.referral.reasons} if outcome.referral else set()
    lead, more = result_view.split_advice(outcome.routine.advice if outcome.routine else [])
    return render_template(
        "patient/result.html",
        outcome=outcome,
        view=result_view,
        lead_advice=lead,
        more_advice=more,
        routine_reasons=[r for r in outcome.reasons
                         if r.applies and r.rule not in referral_rules],
        summary=result_view.doctor_summary(intake, outcome),
        created=result_view.when(outcome.created_at),
    )


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError):
    """A post without a valid token: refused, nothing stored, a fresh form offered."""
    # The answers are deliberately not put back: a post we cannot trust may come from
    # another site, and pre-filling "No" to the safety questions must not be possible.
    notice = ("This page timed out before your answers were sent, so nothing has been "
              "saved. Please answer the questions again.")
    return render_form(notice=notice, status=400)
