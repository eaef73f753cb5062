"""The patient's web pages: the questionnaire, and sending it.

The form posts to the same validation and triage as the JSON API. A stored result is
not shown in the response to that post: the patient is redirected (303) to the result's
own lasting address (service.result_pages), so reloading shows the same result and
reference instead of sending the answers again, and Back returns to the form.
"""

from __future__ import annotations

import logging

from flask import Blueprint, make_response, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from service.errors import RETRY_AFTER_SECONDS, URGENT_HELP
from service.extensions import db
from service.intake import SECTIONS
from service.parsing import IntakeError, validate_intake
from service.questionnaire import questionnaire
from service.records import RecordNotStored
from service.result_access import new_token, result_url
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
    token, access_hash = new_token()
    try:
        outcome = triage(intake, access_hash=access_hash).outcome
    except (RecordNotStored, DBAPIError) as error:
        # The database is unreachable: no result may be shown that was not stored. The
        # patient's own answers (this post passed the CSRF check) are kept for a retry.
        db.session.rollback()
        log.error("form answers not stored: %s", error.__cause__ or error)
        response = render_form(request.form, notice=NOT_SAVED, status=503,
                               notice_title="Your answers could not be saved")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    # 303: the browser fetches the result with GET, and the post leaves no history entry.
    return _no_store(redirect(result_url(outcome.id, token), 303))


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError):
    """A post without a valid token: refused, nothing stored, a fresh form offered."""
    # The answers are deliberately not put back: a post we cannot trust may come from
    # another site, and pre-filling "No" to the safety questions must not be possible.
    notice = ("This page timed out before your answers were sent, so nothing has been "
              "saved. Please answer the questions again.")
    return render_form(notice=notice, status=400)
