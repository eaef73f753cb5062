"""The JSON API (INTAKE.md), documented as OpenAPI 3 from the pydantic models."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from pydantic import BaseModel
from spectree import Response, SpecTree

from service.extensions import csrf
from service.store.health import database_answers
from service.triage.assessment import triage
from service.triage.intake import Intake
from service.triage.outcome import ExerciseOut, Outcome
from service.triage.parsing import IntakeError, parse_json_object, validate_intake
from service.triage.questionnaire import questionnaire
from service.triage.ruleset import active_ruleset

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # a JSON API called by other systems; it sets no cookies

spec = SpecTree(
    "flask",
    title="sciatica-triage",
    version="1",
    description="Back pain and sciatica intake: red-flag triage and a starter routine. "
                "Not a diagnosis.",
    path="apidoc",
    page_templates={},  # no hosted UI: the document is served at /openapi.json
    annotations=False,
    mode="strict",  # document only the JSON API, not the HTML pages or the admin
)


class InvalidIntake(BaseModel):
    error: str
    fields: dict[str, str]


class Health(BaseModel):
    status: str
    ruleset_version: int | None = None
    reason: str | None = None  # why it cannot triage (503)
    # It can triage, but may be behind what was published: its last check for a newer
    # ruleset version failed. Absent when all is well.
    warning: str | None = None


class ExerciseLibrary(BaseModel):
    ruleset_version: int | None
    exercises: list[ExerciseOut]


class Questionnaire(BaseModel):
    sections: list[dict]
    questions: list[dict]


class Unavailable(BaseModel):
    error: str
    detail: str
    retry_after: int


class TooManyIntakes(BaseModel):
    error: str
    detail: str  # with the urgent-help words; the wait is in the Retry-After header


class ReadOnly(Response):
    """The answers of an endpoint that reads no query or body: spectree adds a 422 for a
    failed request validation to every endpoint, which these can never give."""

    def add_model(self, code, model, replace=True, description=None):
        if code == 422 and not replace:  # spectree's automatic one, not a declared one
            return
        super().add_model(code, model, replace, description)


def invalid(error: IntakeError):
    return jsonify({"error": "invalid intake", "fields": error.fields}), error.status


@bp.post("/api/v1/triage")
@spec.validate(
    json=Intake,
    resp=Response(HTTP_200=Outcome, HTTP_400=InvalidIntake, HTTP_413=InvalidIntake,
                  HTTP_415=InvalidIntake, HTTP_422=InvalidIntake, HTTP_429=TooManyIntakes,
                  HTTP_503=Unavailable),
    skip_validation=True,  # parsed below, more strictly than a generic validator can
    tags=["triage"],
)
def post_triage():
    """Triage one intake: a referral with its urgency and reasons, or a starter routine."""
    if request.mimetype != "application/json":
        return invalid(IntakeError({"body": "must be sent as application/json"}, 415))
    try:
        intake = validate_intake(parse_json_object(request.get_data(cache=False)))
    except IntakeError as error:
        return invalid(error)
    return current_app.response_class(triage(intake).json, mimetype="application/json")


@bp.get("/api/v1/questionnaire")
@spec.validate(resp=ReadOnly(HTTP_200=Questionnaire), skip_validation=True, tags=["intake"])
def get_questionnaire():
    """The questions, their types, allowed values and help text, in display order."""
    return jsonify(questionnaire())


@bp.get("/api/v1/exercises")
@spec.validate(resp=ReadOnly(HTTP_200=ExerciseLibrary, HTTP_503=Health),
               skip_validation=True, tags=["intake"])
def get_exercises():
    """The exercise library of the published ruleset version."""
    loaded = active_ruleset().current()
    if loaded is None:
        return jsonify({"status": "unavailable", "reason": "no ruleset is published"}), 503
    exercises = sorted(loaded.kb.exercises, key=lambda e: e.display_order)
    return jsonify({
        "ruleset_version": loaded.version,
        "exercises": [ExerciseOut(**e.model_dump(exclude={"display_order"})).model_dump()
                      for e in exercises],
    })


@bp.get("/healthz")
@spec.validate(resp=ReadOnly(HTTP_200=Health, HTTP_503=Health), skip_validation=True,
               tags=["operations"])
def healthz():
    """200 once the service can triage, with the active ruleset version.

    While this process answers with the version it has but its last check for a newer
    one failed, it can still triage (200), and `warning` says it may be behind what
    clinicians published: for a monitor to alert on.
    """
    if not database_answers():
        return jsonify({"status": "unavailable", "reason": "database unreachable"}), 503
    ruleset = active_ruleset()
    loaded = ruleset.current()
    if loaded is None:
        reason = ruleset.check_failed or "no ruleset is published"
        return jsonify({"status": "unavailable", "reason": reason}), 503
    if ruleset.check_failed:
        return jsonify({"status": "ok", "ruleset_version": loaded.version,
                        "warning": f"{ruleset.check_failed}; still serving version "
                                   f"{loaded.version}"})
    return jsonify({"status": "ok", "ruleset_version": loaded.version})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of the JSON API."""
    return jsonify(spec.spec)
