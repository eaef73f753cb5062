"""CDS Hooks 2.0: the discovery document, the patient-view request, and the cards.

The service reads the patient's latest QuestionnaireResponse from `prefetch`, triages it
through the same path as every other intake, and shows the outcome as one card.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from service.interop.bundle import LEVEL_SYSTEM, PRIORITY, REFERENCE_SYSTEM, module_uri
from service.interop.questionnaire import QUESTIONNAIRE_URL
from service.triage.outcome import Outcome

SERVICE_ID = "sciatica-triage"
PREFETCH_KEY = "questionnaireResponse"
SUMMARY_LIMIT = 139  # the spec: a summary SHALL be under 140 characters
INDICATOR = {"emergency_ambulance": "critical", "emergency": "critical",
             "consultation_24": "warning", "consultation": "info", "self_care": "info"}
OVERRIDE_REASONS = [
    {"system": f"{REFERENCE_SYSTEM.rsplit('/', 2)[0]}/CodeSystem/override-reason",
     "code": code, "display": display}
    for code, display in (("already-assessed", "Patient already assessed in person"),
                          ("answers-out-of-date", "The answers are out of date"),
                          ("clinical-judgement", "Clinical judgement differs"))]


class PrefetchMissing(Exception):
    """The request lacks the prefetched QuestionnaireResponse (answered with 412)."""


def discovery() -> dict:
    """The CDS Hooks discovery document."""
    return {"services": [{
        "hook": "patient-view",
        "id": SERVICE_ID,
        "title": "Back pain and sciatica triage",
        "description": "Triages the patient's latest sciatica-triage questionnaire response: "
                       "red flags with their urgency, or a starter routine. Not a diagnosis.",
        "prefetch": {PREFETCH_KEY: "QuestionnaireResponse?subject={{context.patientId}}"
                                   f"&questionnaire={QUESTIONNAIRE_URL}"
                                   "&_sort=-authored&_count=1"},
        "usageRequirements": "The patient answers the questionnaire (GET "
                             "/fhir/Questionnaire/sciatica-intake) in any FHIR forms engine.",
    }]}


def latest_response(request_body: dict) -> dict:
    """The newest QuestionnaireResponse in prefetch (a resource or a search Bundle)."""
    prefetch = request_body.get("prefetch")
    found = prefetch.get(PREFETCH_KEY) if isinstance(prefetch, dict) else None
    if isinstance(found, dict) and found.get("resourceType") == "Bundle":
        entries = found.get("entry") if isinstance(found.get("entry"), list) else []
        candidates = [e.get("resource") for e in entries if isinstance(e, dict)]
        candidates = [r for r in candidates if isinstance(r, dict)
                      and r.get("resourceType") == "QuestionnaireResponse"]
        found = max(candidates, key=lambda r: str(r.get("authored", "")), default=None)
    if not isinstance(found, dict):
        raise PrefetchMissing("must hold the patient's latest QuestionnaireResponse (this "
                              "service does not query FHIR servers)")
    return found


def card_uuid(reference: str, secret: str) -> str:
    """A card id that carries its triage reference and a MAC, so feedback can be tied back."""
    code = reference.replace("ST-", "").replace("-", "").encode("ascii")
    mac = hmac.new(secret.encode(), code, hashlib.sha256).digest()
    # UUID version and variant bits land in bytes 6 and 8: keep the reference clear of them.
    raw = code[:6] + mac[:3] + code[6:8] + mac[3:8]
    return str(uuid.UUID(bytes=raw, version=4))


def reference_of_card(card: str, secret: str) -> str | None:
    """The triage reference a card id of ours carries; None if it is not ours."""
    try:
        raw = uuid.UUID(card).bytes
        code = (raw[:6] + raw[9:11]).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    reference = f"ST-{code[:4]}-{code[4:]}"
    return reference if hmac.compare_digest(card_uuid(reference, secret), card) else None


def _summary(outcome: Outcome) -> str:
    what = outcome.referral.title if outcome.referral else "Starter routine: self-care"
    return f"Sciatica triage: {what} ({outcome.id})"[:SUMMARY_LIMIT]


def _detail(outcome: Outcome) -> str:
    lines = [f"**Triage level:** {outcome.triage_level}"]
    if outcome.referral:
        lines.append(f"**Told the patient:** {outcome.referral.message}")
    if outcome.start_back:
        lines.append(f"**STarT Back:** {outcome.start_back.risk} risk "
                     f"(total {outcome.start_back.total}/9)")
    # A referral's own reasons are what a clinician acts on; a routine's are all there is.
    reasons = outcome.referral.reasons if outcome.referral else outcome.reasons
    lines.append("**Reasons:**")
    lines += [f"- {r.text} (`{r.rule}`)" for r in reasons] or ["- no rule fired"]
    return "\n".join(lines)


def _service_request(outcome: Outcome, patient_id: str | None) -> dict:
    referral = outcome.referral
    request = {
        "resourceType": "ServiceRequest", "status": "draft", "intent": "proposal",
        "priority": PRIORITY[referral.level],
        "code": {"coding": [{"system": LEVEL_SYSTEM, "code": referral.level}],
                 "text": referral.title},
        "identifier": [{"system": REFERENCE_SYSTEM, "value": outcome.id}],
        "reasonCode": [{"text": r.text} for r in referral.reasons],
        "subject": {"reference": f"Patient/{patient_id}"} if patient_id
        else {"display": "The patient in context"},
    }
    return request


def card(outcome: Outcome, patient_id: str | None, result_url: str, secret: str) -> dict:
    """The one card for an outcome, with a suggested ServiceRequest for a referral."""
    version = outcome.ruleset_version
    result = {
        "uuid": card_uuid(outcome.id, secret),
        "summary": _summary(outcome),
        "detail": _detail(outcome),
        "indicator": INDICATOR[outcome.triage_level],
        "source": {"label": f"sciatica-triage, ruleset version {version}"
                   if version is not None else "sciatica-triage (fail-safe: no ruleset)",
                   "url": module_uri(version)},
        "links": [{"label": f"Triage result {outcome.id}", "url": result_url,
                   "type": "absolute"}],
    }
    if outcome.referral:
        result["suggestions"] = [{
            "label": f"Refer: {outcome.referral.title}",
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{REFERENCE_SYSTEM}/{outcome.id}")),
            "isRecommended": True,
            "actions": [{"type": "create", "description": f"Create a referral "
                         f"({PRIORITY[outcome.referral.level]})",
                         "resource": _service_request(outcome, patient_id)}],
        }]
        result["selectionBehavior"] = "at-most-one"
        result["overrideReasons"] = OVERRIDE_REASONS
    return result
