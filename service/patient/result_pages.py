"""A patient's result at its lasting address: the result, the handout, the doctor summary.

Every page here is reached only with the reference AND the secret token of the address
the patient was sent to (service.patient.result_access). Anything else, a wrong token, no token,
a record deleted on request or purged at the end of retention, gets one and the same
"no longer available" page, so the answer reveals nothing about which it was.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, make_response, render_template, url_for
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from service.extensions import db
from service.patient import result_view
from service.patient.result_access import load_record, result_url
from service.store.models import RulesetVersion, TriageRecord
from service.triage.intake import Intake
from service.triage.outcome import Outcome

log = logging.getLogger(__name__)

bp = Blueprint("results", __name__, url_prefix="/result")


def _no_store(response):
    # Health data: no shared cache or back-button cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


def published_on(version: int | None) -> str:
    """The day the rules that decided this result were published, in words."""
    if version is None:
        return "unknown"
    try:
        created = db.session.scalar(select(RulesetVersion.created_at)
                                    .where(RulesetVersion.version == version))
    except SQLAlchemyError as error:
        # A stored result must still open when the version table cannot be read: the
        # fail-safe's "go to A&E now" is on this page. Only the date is left out.
        db.session.rollback()
        log.error("could not read when ruleset version %s was published (%s); result shown "
                  "without the date", version, type(error).__name__)
        return "unknown"
    return result_view.day(created) if created else "unknown"


def stored_intake(record: TriageRecord) -> Intake | None:
    """The record's answers as an Intake; None if they no longer fit today's model."""
    try:
        return Intake.model_validate_json(json.dumps(record.intake))
    except ValidationError:
        # An old record whose answers this version cannot read: the stored outcome still
        # shows what the patient was told; only the answer rows of the summary are left out.
        log.warning("stored answers of a record no longer validate; summary rows left out")
        return None


def render_result(intake: Intake | None, outcome: Outcome, template: str = "patient/result.html",
                  token: str = "") -> str:
    """One of the result pages for one outcome."""
    referral_rules = {r.rule for r in outcome.referral.reasons} if outcome.referral else set()
    placed, more = result_view.split_advice(outcome.routine.advice if outcome.routine else [])
    links = ({view: result_url(outcome.id, token, view) for view in ("result", "handout", "doctor")}
             if token else {})
    if token and outcome.routine is not None:  # a routine to follow: weekly check-ins
        links["progress"] = url_for("followup.progress", reference=outcome.id, token=token)
    return render_template(
        template,
        outcome=outcome,
        view=result_view,
        placed=placed,
        more_advice=more,
        walking=next((e for e in outcome.routine.exercises if e.slug == "walking"), None)
        if outcome.routine else None,
        # Routine rules that fired for someone given no routine are kept for audit
        # (`applies` false) but not shown to them as advice.
        routine_reasons=[r for r in outcome.reasons
                         if r.applies and r.rule not in referral_rules],
        summary=result_view.doctor_summary(intake, outcome),
        created=result_view.when(outcome.created_at),
        published=published_on(outcome.ruleset_version),
        links=links,
    )


def not_available():
    """The one answer for every address that does not open a result."""
    html = render_template("patient/result_gone.html",
                           retention_days=current_app.config["RETENTION_DAYS"])
    return _no_store(make_response(html, 404))


def _page(reference: str, token: str, template: str):
    record = load_record(reference, token)
    if record is None:
        return not_available()
    outcome = Outcome.model_validate(record.outcome)
    return _no_store(make_response(render_result(stored_intake(record), outcome, template,
                                                 token)))


@bp.get("/<reference>/<token>")
def result(reference: str, token: str):
    """The result page the patient was sent to after the questions."""
    return _page(reference, token, "patient/result.html")


@bp.get("/<reference>/<token>/handout")
def handout(reference: str, token: str):
    """The same result laid out to print and keep."""
    return _page(reference, token, "patient/handout.html")


@bp.get("/<reference>/<token>/doctor")
def doctor(reference: str, token: str):
    """The summary for the doctor alone, on one page."""
    return _page(reference, token, "patient/doctor.html")


@bp.get("/")
@bp.get("/<path:anything>")
def anything_else(anything: str = ""):
    """A reference without its token, or any other address here, opens nothing."""
    return not_available()
