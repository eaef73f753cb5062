"""The patient's web pages: the questionnaire, a section a page, and sending it.

Each step posts to itself; the answers so far live in the patient's session cookie
(service.patient.form_steps), and a step that is answered redirects (303) to the next, so the
browser's Back and reload work on every page. The check page sends everything to the
same validation and triage as the JSON API. A stored result is not shown in the
response to that post: the patient is redirected (303) to the result's own lasting
address (service.patient.result_pages), so reloading shows the same result and reference
instead of sending the answers again, and Back returns to the questions.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError

from service.errors import RETRY_AFTER_SECONDS, URGENT_HELP
from service.extensions import db
from service.patient import form_steps
from service.patient.form_steps import CHECK
from service.patient.result_access import new_token, result_url
from service.patient.step_view import check_page, step_page
from service.patient.web_form import intake_from_form, patient_errors
from service.store.records import RecordNotStored
from service.triage.assessment import triage
from service.triage.parsing import IntakeError, validate_intake

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

NOT_SAVED = ("We could not save your answers just now, so there is no result yet. Your "
             "answers are kept: please press \"See my result\" again in a few seconds. "
             + URGENT_HELP)
ANSWERS = "answers"  # the session key


def _no_store(response):
    # Answers and outcomes are health data: no shared or back-button cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def saved_answers() -> dict[str, str]:
    return dict(session.get(ANSWERS, {}))


def save_answers(answers: dict[str, str]) -> None:
    session[ANSWERS] = form_steps.without_inapplicable(answers)


def _step_url(step_id: str, then: str = "") -> str:
    return url_for("pages.step", step_id=step_id, then=then or None)


def render_step(step: form_steps.Step, answers: dict[str, str],
                errors: dict[str, str] | None = None, status: int = 200, notice: str = "",
                notice_title: str = "Please answer again", then: str = ""):
    """One page of questions, with the answers given so far and what is wrong with them."""
    return _no_store(make_response(step_page(step, answers, errors or {}, notice,
                                             notice_title, then), status))


def render_check(answers: dict[str, str], status: int = 200, notice: str = "",
                 notice_title: str = ""):
    """Every answer, by step, with a way to change each, and the button that sends them."""
    return _no_store(make_response(check_page(answers, notice, notice_title), status))


@bp.get("/")
def intake_form():
    """The first page of questions."""
    return render_step(form_steps.steps()[0], saved_answers())


@bp.get("/questions/<step_id>")
def step(step_id: str):
    """A page of questions, or the page to check them all."""
    if step_id == CHECK:
        if not saved_answers():  # nothing to check (sent already, or never begun)
            return redirect(url_for("pages.intake_form"), 303)
        return render_check(saved_answers())
    found = form_steps.step_named(step_id) or abort(404)
    return render_step(found, saved_answers(), then=request.args.get("then", ""))


@bp.post("/questions/<step_id>")
def answer_step(step_id: str):
    """Keep this page's answers; go on when they are complete, or show what is missing."""
    if step_id == CHECK:
        return send(saved_answers())
    found = form_steps.step_named(step_id) or abort(404)
    answers = form_steps.merge(saved_answers(), found, request.form)
    save_answers(answers)
    then = request.form.get("then", "")
    before, after = form_steps.neighbours(found.id)
    if request.form.get("go") == "back":  # kept, not judged: the patient may come back
        return redirect(_step_url(before) if before else url_for("pages.intake_form"), 303)
    errors = form_steps.errors_on(found, answers)
    if errors:
        return render_step(found, answers, errors, status=422, then=then)
    if form_steps.follow_ups_waiting(found, answers, request.form):
        return render_step(found, answers, then=then, notice_title="One more question",
                           notice="Your answer needs one more question, shown below it.")
    return redirect(_step_url(CHECK if then == CHECK else after), 303)


@bp.post("/")
def submit_intake():
    """Every answer in one post (a client that sends the whole form at once)."""
    answers = {name: "\x00".join(v for v in request.form.getlist(name) if v.strip())
               for name in request.form if name != "csrf_token"}
    try:
        validate_intake(intake_from_form(request.form))
    except IntakeError as error:
        # Nothing has been stored. Show the first page with a problem, answers kept.
        save_answers({k: v for k, v in answers.items() if k in form_steps.known_names() and v})
        first, errors = form_steps.page_for(patient_errors(error.fields))
        return render_step(first, answers, errors, status=422)
    return send(answers)


def send(answers: dict[str, str]):
    """Validate and triage every answer; redirect to the stored result."""
    answers = form_steps.without_inapplicable(answers)
    errors = form_steps.all_errors(answers)
    if errors:
        first, shown = form_steps.page_for(errors)
        return render_step(first, answers, shown, status=422)
    intake = validate_intake(intake_from_form(form_steps.as_form(answers)))
    token, access_hash = new_token()
    try:
        outcome = triage(intake, access_hash=access_hash).outcome
    except (RecordNotStored, DBAPIError) as error:
        # The database is unreachable: no result may be shown that was not stored. The
        # answers stay in the session for a retry.
        db.session.rollback()
        log.error("form answers not stored: %s", error.__cause__ or error)
        save_answers(answers)
        response = render_check(answers, status=503, notice=NOT_SAVED,
                                notice_title="Your answers could not be saved")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    session.pop(ANSWERS, None)  # sent: nothing of them stays in the browser
    # 303: the browser fetches the result with GET, and the post leaves no history entry.
    return _no_store(redirect(result_url(outcome.id, token), 303))


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError):
    """A post without a valid token: refused, nothing stored, a fresh form offered."""
    # The answers are deliberately not put back: a post we cannot trust may come from
    # another site, and pre-filling "No" to the safety questions must not be possible.
    session.pop(ANSWERS, None)
    notice = ("This page timed out before your answers were sent, so nothing has been "
              "saved. Please answer the questions again.")
    return render_step(form_steps.steps()[0], {}, notice=notice, status=400,
                       notice_title="Please answer again")
