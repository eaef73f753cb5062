"""GET /fhir/Questionnaire/sciatica-intake: the intake as an R4 Questionnaire."""

from __future__ import annotations

from typing import get_args

import pytest

from service.interop import questionnaire as fhir_q
from service.triage import questionnaire as described
from service.triage.intake import Intake
from tests.service.interop.helpers import fetch_questionnaire, find_item, validate_resource

EXT = "http://hl7.org/fhir/StructureDefinition"


def questions(items: list[dict]):
    """Every answerable item (not groups, help text or calculated scores)."""
    for item in items:
        if item["type"] not in ("group", "display") and not item.get("readOnly"):
            yield item
        yield from questions(item.get("item", []))


def extension(item: dict, name: str):
    return next((e for e in item.get("extension", []) if e["url"] == f"{EXT}/{name}"), None)


def test_questionnaire_is_valid_r4(client):
    q = fetch_questionnaire(client)
    validate_resource(q)
    assert q["url"].endswith("/Questionnaire/sciatica-intake")
    assert q["status"] == "active" and q["version"]


@pytest.mark.parametrize("query, accept, media_type", [
    ("", "application/fhir+json", "application/fhir+json"),
    ("?_format=json", None, "application/fhir+json"),
    ("?_format=application/fhir%2Bjson", None, "application/fhir+json"),
    ("?_format=application/fhir+json", None, "application/fhir+json"),  # + read as a space
    ("", "application/json", "application/json"),
    ("", "text/html,*/*;q=0.8", "application/fhir+json"),
])
def test_questionnaire_is_served_as_fhir_json(client, query, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/fhir/Questionnaire/sciatica-intake{query}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.get_json()["resourceType"] == "Questionnaire"


@pytest.mark.parametrize("query, accept", [("?_format=xml", None),
                                           ("", "application/fhir+xml")])
def test_other_formats_are_refused_with_an_operation_outcome(client, query, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/fhir/Questionnaire/sciatica-intake{query}", headers=headers)
    assert response.status_code == 406
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_every_intake_field_is_asked_once_with_its_type(client):
    q = fetch_questionnaire(client)
    asked = {item["linkId"]: item for item in questions(q["item"])}
    expected = [f for f in Intake.model_fields if f != "start_back"]
    expected += [f"start_back.{f}" for f in Intake.model_fields["start_back"].annotation
                 .__args__[0].model_fields]
    assert sorted(asked) == sorted(expected)
    for link_id, item in asked.items():
        field = described.describe(Intake)
        question = next((x for x in field if x["id"] == link_id), None)
        if question:
            assert item["type"] == question["type"], link_id
            assert item["required"] is question["required"], link_id
            assert item["text"] == question["label"]


def test_sections_are_groups_in_display_order(client):
    q = fetch_questionnaire(client)
    assert [g["linkId"] for g in q["item"]] == [
        s["id"] for s in described.questionnaire()["sections"]]
    assert all(g["type"] == "group" for g in q["item"])
    safety = find_item(q["item"], "safety")
    assert find_item(safety["item"], "saddle_numbness")["required"] is True


def test_integers_carry_their_bounds(client):
    q = fetch_questionnaire(client)
    age = find_item(q["item"], "age")
    assert age["type"] == "integer"
    assert extension(age, "minValue")["valueInteger"] == 0
    assert extension(age, "maxValue")["valueInteger"] == 120
    pain = find_item(q["item"], "pain_score")
    assert extension(pain, "maxValue")["valueInteger"] == 10
    assert {"system": "http://loinc.org", "code": "72514-3"}.items() <= pain["code"][0].items()


def test_choice_options_are_exactly_the_model_values_in_our_code_systems(client):
    q = fetch_questionnaire(client)
    for link_id, field in (("leg_pain", "leg_pain"), ("leg_weakness", "leg_weakness"),
                           ("sex", "sex")):
        item = find_item(q["item"], link_id)
        codings = [o["valueCoding"] for o in item["answerOption"]]
        assert [c["code"] for c in codings] == list(
            get_args(Intake.model_fields[field].annotation))
        assert {c["system"] for c in codings} == {fhir_q.code_system(link_id)}
        assert all(c["display"] for c in codings)


def test_cancer_years_is_asked_only_after_a_cancer_history(client):
    q = fetch_questionnaire(client)
    follow_up = find_item(q["item"], "cancer_years_ago")
    assert follow_up["enableWhen"] == [
        {"question": "cancer_history", "operator": "=", "answerBoolean": True}]
    assert find_item(q["item"], "cancer_history")["type"] == "boolean"


def test_help_text_is_a_help_item(client):
    q = fetch_questionnaire(client)
    help_item = find_item(q["item"], "saddle_numbness-help")
    assert help_item["type"] == "display"
    assert "wipe" in help_item["text"]
    control = help_item["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert control["code"] == "help"


def test_start_back_is_scored(client):
    q = fetch_questionnaire(client)
    group = find_item(q["item"], "start_back")
    assert group["required"] is False
    q9 = find_item(group["item"], "start_back.q9")
    ordinal = {o["valueCoding"]["code"]: extension(o, "ordinalValue")["valueDecimal"]
               for o in q9["answerOption"]}
    assert ordinal == {"not_at_all": 0, "slightly": 0, "moderately": 0, "very_much": 1,
                       "extremely": 1}
    for link_id in ("start_back.total", "start_back.psychosocial"):
        score = find_item(group["item"], link_id)
        assert score["readOnly"] is True and score["type"] == "integer"
        expression = score["extension"][0]["valueExpression"]
        assert expression["language"] == "text/fhirpath" and "start_back.q5" in expression[
            "expression"]
    assert "start_back.q1" not in find_item(group["item"], "start_back.psychosocial")[
        "extension"][0]["valueExpression"]["expression"]


def test_a_field_added_to_the_intake_appears_and_changes_the_version(monkeypatch):
    """Another engineer adds optional booleans to the intake: no change here needed."""
    before = fhir_q.fhir_questionnaire()

    class Wider(Intake):
        chest_pain_test: bool = described_field()

    monkeypatch.setattr(fhir_q, "questionnaire", lambda: {
        "sections": described.questionnaire()["sections"],
        "questions": described.describe(Wider)})
    fhir_q.fhir_questionnaire.cache_clear()
    try:
        after = fhir_q.fhir_questionnaire()
        added = find_item(after["item"], "chest_pain_test")
        assert added["type"] == "boolean" and added["required"] is False
        assert find_item(after["item"], "safety")["item"][-1]["linkId"] == "chest_pain_test"
        assert after["version"] != before["version"]
        validate_resource(after)
    finally:
        monkeypatch.undo()
        fhir_q.fhir_questionnaire.cache_clear()
    assert fhir_q.fhir_questionnaire()["version"] == before["version"]


def described_field():
    from service.triage.intake import ask

    return ask("Do you have chest pain with this back pain?", "", "safety", default=False)


def test_version_is_stable_between_calls(client):
    assert fetch_questionnaire(client)["version"] == fetch_questionnaire(client)["version"]

