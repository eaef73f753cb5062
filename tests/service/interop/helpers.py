"""Building QuestionnaireResponses the way a forms engine would: from the Questionnaire."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import func, select

from service.extensions import db
from service.store.models import TriageRecord

VALUE_KEY = {"boolean": "valueBoolean", "integer": "valueInteger"}


def fetch_questionnaire(client) -> dict:
    """Our Questionnaire, as a client gets it."""
    response = client.get("/fhir/Questionnaire/sciatica-intake",
                          headers={"Accept": "application/fhir+json"})
    assert response.status_code == 200
    return response.get_json()


def _answers(items: list[dict], intake: dict) -> list[dict]:
    answered = []
    for item in items:
        link_id = item["linkId"]
        if item["type"] == "group":
            children = _answers(item.get("item", []), intake)
            if children:
                answered.append({"linkId": link_id, "item": children})
            continue
        name = link_id.split(".")
        value = intake
        for part in name:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or item["type"] == "display" or item.get("readOnly"):
            continue
        if item["type"] == "choice":
            option = next(o["valueCoding"] for o in item["answerOption"]
                          if o["valueCoding"]["code"] == value)
            answer = {"valueCoding": option}
        else:
            answer = {VALUE_KEY[item["type"]]: value}
        answered.append({"linkId": link_id, "answer": [answer]})
    return answered


def response_for(questionnaire: dict, intake: dict, **extra) -> dict:
    """A completed QuestionnaireResponse answering `questionnaire` with `intake`."""
    return {"resourceType": "QuestionnaireResponse",
            "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
            "status": "completed", "item": _answers(questionnaire["item"], intake), **extra}


def find_item(items: list[dict], link_id: str) -> dict | None:
    """The item with `link_id` anywhere in `items` (a Questionnaire's or a response's)."""
    for item in items:
        if item["linkId"] == link_id:
            return item
        found = find_item(item.get("item", []), link_id)
        if found:
            return found
    return None


def validate_resource(resource: dict):
    """`resource` parsed by its fhir.resources R4B class (raises if it does not conform)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def stored_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(TriageRecord.id)))


def post_response(client, resource, **headers):
    """POST a response to $triage as FHIR JSON."""
    return client.post("/fhir/QuestionnaireResponse/$triage", json=resource,
                       headers={"Content-Type": "application/fhir+json", **headers})
