"""POST /fhir/QuestionnaireResponse/$triage: answers in, the same outcome as the JSON API."""

from __future__ import annotations

import copy
import json

import pytest

from tests.service.interop.helpers import (
    fetch_questionnaire,
    find_item,
    post_response,
    response_for,
    stored_count,
    validate_resource,
)


@pytest.fixture
def questionnaire(client):
    return fetch_questionnaire(client)


@pytest.fixture
def start_back():
    return {"q1": True, "q2": False, "q3": True, "q4": False, "q5": True, "q6": True,
            "q7": False, "q8": True, "q9": "very_much"}


def parameters(bundle: dict) -> dict:
    params = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Parameters")
    return {p["name"]: next(v for k, v in p.items() if k.startswith("value"))
            for p in params["parameter"]}


def test_a_flag_free_response_is_triaged_and_stored(app, client, questionnaire, intake):
    response = post_response(client, response_for(questionnaire, intake))
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    validate_resource(bundle)
    assert parameters(bundle)["triage_level"]["code"] == "self_care"
    assert stored_count(app) == 1


def test_the_outcome_matches_the_json_api(client, questionnaire, intake, start_back):
    intake.update(cancer_history=True, cancer_years_ago=12, start_back=start_back)
    via_api = client.post("/api/v1/triage", json=intake).get_json()
    bundle = post_response(client, response_for(questionnaire, intake)).get_json()
    guidance = bundle["entry"][0]["resource"]
    assert guidance["resourceType"] == "GuidanceResponse"
    assert [c["coding"][0]["code"] for c in guidance["reasonCode"]] == [
        r["rule"] for r in via_api["reasons"]]
    params = parameters(bundle)
    assert params["triage_level"]["code"] == via_api["triage_level"]
    assert params["ruleset_version"] == via_api["ruleset_version"]
    assert params["start_back_risk"] == via_api["start_back"]["risk"]


def test_a_response_with_the_scores_a_renderer_computed_is_accepted(client, questionnaire,
                                                                    intake, start_back):
    intake["start_back"] = start_back
    resource = response_for(questionnaire, intake)
    group = find_item(resource["item"], "start_back")
    group["item"] += [{"linkId": "start_back.total", "answer": [{"valueInteger": 6}]},
                      {"linkId": "start_back.psychosocial", "answer": [{"valueInteger": 4}]}]
    assert post_response(client, resource).status_code == 200


def _set_answer(resource: dict, link_id: str, answer: list[dict]) -> dict:
    find_item(resource["item"], link_id)["answer"] = answer
    return resource


def _drop(resource: dict, link_id: str) -> dict:
    for group in resource["item"]:
        group["item"] = [i for i in group.get("item", []) if i["linkId"] != link_id]
    return resource


def _add(resource: dict, group: str, item: dict) -> dict:
    find_item(resource["item"], group)["item"].append(item)
    return resource


BAD = {
    "unknown linkId": (lambda r: _add(r, "safety", {"linkId": "fevr", "answer": [
        {"valueBoolean": True}]}), "fevr", 422),
    "wrong type": (lambda r: _set_answer(r, "age", [{"valueString": "57"}]), "age", 422),
    "decimal for an integer": (lambda r: _set_answer(r, "age", [{"valueDecimal": 57.0}]),
                               "age", 422),
    "integer out of range": (lambda r: _set_answer(r, "pain_score", [{"valueInteger": 11}]),
                             "pain_score", 422),
    "code outside the options": (lambda r: _set_answer(r, "leg_pain", [{"valueCoding": {
        "system": find_item(r["item"], "leg_pain")["answer"][0]["valueCoding"]["system"],
        "code": "everywhere"}}]), "leg_pain", 422),
    "code from another system": (lambda r: _set_answer(r, "leg_pain", [{"valueCoding": {
        "system": "http://snomed.info/sct", "code": "none"}}]), "leg_pain", 422),
    "missing required answer": (lambda r: _drop(r, "saddle_numbness"), "saddle_numbness", 422),
    "empty required answer": (lambda r: _set_answer(r, "fever", []), "fever", 422),
    "two answers": (lambda r: _set_answer(r, "fever", [{"valueBoolean": True},
                                                       {"valueBoolean": False}]), "fever", 422),
    "answer in the wrong group": (lambda r: _add(r, "about_you", _drop(r, "fever") and {
        "linkId": "fever", "answer": [{"valueBoolean": False}]}), "fever", 422),
    "follow-up answered without its opener": (
        lambda r: _add(r, "safety", {"linkId": "cancer_years_ago", "answer": [
            {"valueInteger": 3}]}), "cancer_years_ago", 422),
    "another version": (lambda r: {**r, "questionnaire": r["questionnaire"].split("|")[0]
                                   + "|0000"}, "questionnaire", 422),
    "no version": (lambda r: {**r, "questionnaire": r["questionnaire"].split("|")[0]},
                   "questionnaire", 422),
    "another questionnaire": (lambda r: {**r, "questionnaire": "http://x.org/Q/other|1"},
                              "questionnaire", 422),
    "still in progress": (lambda r: {**r, "status": "in-progress"}, "status", 422),
    "not a response": (lambda r: {**r, "resourceType": "Observation"}, "resourceType", 400),
    "unknown status": (lambda r: {**r, "status": "finished"}, "status", 422),
    "not FHIR": (lambda r: {**r, "authored": "yesterday"}, "authored", 400),
}


@pytest.mark.parametrize("change", list(BAD), ids=list(BAD))
def test_bad_responses_are_refused_naming_the_item_and_nothing_is_stored(
        app, client, questionnaire, intake, change):
    make, named, status = BAD[change]
    resource = make(response_for(questionnaire, copy.deepcopy(intake)))
    response = post_response(client, resource)
    assert response.status_code == status, response.get_json()
    outcome = response.get_json()
    validate_resource(outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(issue["diagnostics"].startswith(named) or named in issue["expression"][0]
               for issue in outcome["issue"]), outcome
    assert stored_count(app) == 0


def test_a_score_that_contradicts_the_answers_is_refused(app, client, questionnaire, intake,
                                                         start_back):
    intake["start_back"] = start_back
    resource = response_for(questionnaire, intake)
    find_item(resource["item"], "start_back")["item"].append(
        {"linkId": "start_back.total", "answer": [{"valueInteger": 2}]})
    response = post_response(client, resource)
    assert response.status_code == 422
    assert "start_back.total" in response.get_json()["issue"][0]["diagnostics"]
    assert stored_count(app) == 0


def test_a_partly_answered_start_back_names_the_missing_item(app, client, questionnaire,
                                                             intake, start_back):
    del start_back["q7"]
    intake["start_back"] = start_back
    response = post_response(client, response_for(questionnaire, intake))
    assert response.status_code == 422
    assert response.get_json()["issue"][0]["diagnostics"] == "start_back.q7: required"


@pytest.mark.parametrize("body, content_type, status", [
    (b"{not json", "application/fhir+json", 400),
    (b'{"resourceType": "QuestionnaireResponse", "resourceType": "x"}',
     "application/fhir+json", 400),
    (b"[]", "application/fhir+json", 400),
    (b"\xff\xfe", "application/fhir+json", 400),
    (b"{}", "text/plain", 415),
    (json.dumps({"resourceType": "QuestionnaireResponse", "status": "completed",
                 "item": [{"linkId": "x", "item": [[]]}]}).encode(), "application/json", 400),
])
def test_malformed_bodies_are_4xx_operation_outcomes(app, client, body, content_type, status):
    response = client.post("/fhir/QuestionnaireResponse/$triage", data=body,
                           content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert stored_count(app) == 0


def test_the_subject_and_the_response_are_carried_into_the_bundle(client, questionnaire,
                                                                  vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    resource = response_for(questionnaire, ces["intake"], id="qr-1",
                            subject={"reference": "Patient/p-7"})
    bundle = post_response(client, resource).get_json()
    risks = [e["resource"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "RiskAssessment"]
    assert risks and all(r["subject"] == {"reference": "Patient/p-7"} for r in risks)
    assert all(r["basis"] == [{"reference": "QuestionnaireResponse/qr-1"}] for r in risks)


def test_an_oversized_body_is_a_413_operation_outcome(app, client):
    body = b'{"resourceType": "QuestionnaireResponse", "x": "' + b"a" * (1024 * 1024) + b'"}'
    response = client.post("/fhir/QuestionnaireResponse/$triage", data=body,
                           content_type="application/fhir+json")
    assert response.status_code == 413
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert stored_count(app) == 0
