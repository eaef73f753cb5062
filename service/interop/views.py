"""HTTP for FHIR and CDS Hooks: parse, translate, call triage(), translate back."""

from __future__ import annotations

from flask import Blueprint, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from service.api.routes import spec
from service.extensions import csrf, db
from service.interop import cds_hooks, schemas
from service.interop.auth import Unauthorized, verify
from service.interop.bundle import outcome_bundle
from service.interop.questionnaire import QUESTIONNAIRE_ID, fhir_questionnaire, index_items
from service.interop.response import ResponseError, intake_from_response
from service.store.audit import record_change
from service.store.models import TriageRecord
from service.triage.assessment import triage
from service.triage.intake import Intake
from service.triage.outcome import Outcome
from service.triage.parsing import IntakeError, parse_json_object

bp = Blueprint("interop", __name__)
csrf.exempt(bp)  # called by other systems with JSON; no cookies are set

FHIR_JSON = schemas.FHIR_JSON
JSON_TYPES = (FHIR_JSON, "application/json")
# An unescaped + in a query string arrives as a space.
FORMATS = {"json": FHIR_JSON, FHIR_JSON: FHIR_JSON, "application/fhir json": FHIR_JSON,
           "application/json": "application/json"}
FHIR_ERRORS = {f"HTTP_{code}": schemas.OperationOutcome for code in (400, 406, 413, 415, 422)}
LINK_SALT = "cds-hooks-result-link"


def operation_outcome(issues: dict[str, str], status: int, code: str = "invalid"):
    """A FHIR OperationOutcome naming each bad item; `status` is the HTTP code."""
    link_ids = index_items()
    body = {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": code, "diagnostics": f"{where}: {why}",
         "expression": [f"QuestionnaireResponse.repeat(item).where(linkId='{where}')"
                        if where in link_ids else where]}
        for where, why in issues.items()]}
    return fhir(body, status)


def _media_type() -> str | None:
    """The JSON flavour the client asked for (FHIR's _format first); None if not JSON."""
    wanted = request.args.get("_format")
    if wanted is not None:
        return FORMATS.get(wanted)
    accept = request.accept_mimetypes
    return accept.best_match(JSON_TYPES) if accept.provided else FHIR_JSON


def fhir(body: dict, status: int = 200):
    """A FHIR JSON response in the media type the client asked for."""
    mimetype = _media_type() or FHIR_JSON
    response = current_app.json.response(body)
    response.status_code, response.mimetype = status, mimetype
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_body() -> dict:
    if request.mimetype not in JSON_TYPES:
        raise ResponseError({"body": f"must be sent as {FHIR_JSON}"}, 415)
    try:
        return parse_json_object(request.get_data(cache=False))
    except IntakeError as error:
        raise ResponseError(error.fields, error.status, "structure") from None


@bp.errorhandler(ResponseError)
def refused(error: ResponseError):
    return operation_outcome(error.issues, error.status, error.code)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return operation_outcome({"body": f"is larger than {limit} bytes"}, 413, "too-long")


@bp.errorhandler(Unauthorized)
def unauthorized(error: Unauthorized):
    response = current_app.json.response({"error": "unauthorized", "detail": str(error)})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@bp.get(f"/fhir/Questionnaire/{QUESTIONNAIRE_ID}")
@spec.validate(resp=schemas.FhirResponse(HTTP_200=schemas.Resource,
                                         HTTP_406=schemas.OperationOutcome),
               skip_validation=True, tags=["fhir"])
def get_questionnaire():
    """The intake as a FHIR R4 Questionnaire (its version changes when the questions do)."""
    if _media_type() is None:
        return operation_outcome({"_format": "only JSON is served"}, 406, "not-supported")
    return fhir(fhir_questionnaire())


@bp.post("/fhir/QuestionnaireResponse/$triage")
@spec.validate(json=schemas.QuestionnaireResponse,
               resp=schemas.FhirResponse(HTTP_200=schemas.Bundle, **FHIR_ERRORS),
               skip_validation=True, tags=["fhir"])
def triage_response():
    """Triage a QuestionnaireResponse exactly as /api/v1/triage; the outcome as a Bundle."""
    if _media_type() is None:
        return operation_outcome({"_format": "only JSON is served"}, 406, "not-supported")
    resource = _json_body()
    intake = intake_from_response(resource)
    outcome = triage(intake).outcome
    basis = ({"reference": f"QuestionnaireResponse/{resource['id']}"} if resource.get("id")
             else None)
    return fhir(outcome_bundle(outcome, resource.get("subject"), basis))


@bp.get("/cds-services")
@spec.validate(resp=schemas.FhirResponse(HTTP_200=schemas.Discovery), skip_validation=True,
               tags=["cds-hooks"])
def discovery():
    """The CDS Hooks discovery document (no health data, so no token needed)."""
    return cds_hooks.discovery()


@bp.post(f"/cds-services/{cds_hooks.SERVICE_ID}")
@spec.validate(json=schemas.HookRequest,
               resp=schemas.FhirResponse(HTTP_200=schemas.Cards, HTTP_401=schemas.Problem,
                                         HTTP_412=schemas.OperationOutcome, **FHIR_ERRORS),
               skip_validation=True, tags=["cds-hooks"])
def patient_view():
    """patient-view: one card for the patient's latest prefetched QuestionnaireResponse."""
    verify(request.headers.get("Authorization"))
    body = _json_body()
    try:
        schemas.HookRequest.model_validate(body)
    except ValidationError as error:
        raise ResponseError(schemas.problems(error), 400, "structure") from None
    if body["hook"] != "patient-view":
        raise ResponseError({"hook": "this service answers patient-view only"}, 400)
    try:
        resource = cds_hooks.latest_response(body)
    except cds_hooks.PrefetchMissing as missing:
        raise ResponseError({f"prefetch.{cds_hooks.PREFETCH_KEY}": str(missing)}, 412,
                            "required") from None
    outcome = triage(intake_from_response(resource)).outcome
    token = URLSafeTimedSerializer(current_app.secret_key, LINK_SALT).dumps(outcome.id)
    link = url_for("interop.result_for_clinician", token=token, _external=True)
    patient_id = (body.get("context") or {}).get("patientId")
    card = cds_hooks.card(outcome, patient_id if isinstance(patient_id, str) else None,
                          link, current_app.secret_key)
    return current_app.json.response({"cards": [card]})


@bp.post(f"/cds-services/{cds_hooks.SERVICE_ID}/feedback")
@spec.validate(json=schemas.Feedback,
               resp=schemas.FhirResponse(HTTP_200=schemas.FeedbackStored,
                                         HTTP_401=schemas.Problem,
                                         HTTP_404=schemas.OperationOutcome, **FHIR_ERRORS),
               skip_validation=True, tags=["cds-hooks"])
def feedback():
    """Store what the clinician did with each card (accepted or overridden, and why)."""
    caller = verify(request.headers.get("Authorization"))
    try:
        items = schemas.Feedback.model_validate(_json_body()).feedback
    except ValidationError as error:
        raise ResponseError(schemas.problems(error), 400, "structure") from None
    references = [cds_hooks.reference_of_card(str(i.card), current_app.secret_key)
                  for i in items]
    unknown = {f"feedback.{n}.card": "was not issued by this service"
               for n, ref in enumerate(references) if ref is None}
    if unknown:
        raise ResponseError(unknown, 404, "not-found")
    for item, reference in zip(items, references, strict=True):
        # before={}: the panel lists an entry by what changed, and all of this is new.
        record_change(caller.actor, "cds-feedback", "triage", reference, {},
                      {"service": cds_hooks.SERVICE_ID, **item.model_dump(mode="json")})
    db.session.commit()
    return current_app.json.response({"stored": len(items)})


@bp.get("/cds-services/results/<token>")
def result_for_clinician(token: str):
    """The result page of one triage, for the clinician who got the card (a signed link)."""
    from service.patient.result_pages import render_result

    try:
        reference = URLSafeTimedSerializer(current_app.secret_key, LINK_SALT).loads(
            token, max_age=current_app.config["CDS_HOOKS_LINK_SECONDS"])
    except BadSignature:
        raise NotFound("This link has expired or is not valid.") from None
    record = db.session.scalar(select(TriageRecord).where(TriageRecord.reference == reference))
    if record is None:
        raise NotFound("No result with this reference is kept any more.")
    try:
        intake = Intake.model_validate(record.intake)
        outcome = Outcome.model_validate(record.outcome)
    except ValidationError:  # stored under an older intake model that no longer reads it
        raise NotFound("This result can no longer be shown; quote its reference.") from None
    html = render_result(intake, outcome)
    return html, 200, {"Cache-Control": "no-store"}
