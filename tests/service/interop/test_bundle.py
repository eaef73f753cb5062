"""The outcome as a FHIR Bundle: every resource valid R4, saying what the JSON API says."""

from __future__ import annotations

import pytest

from rules.levels import ROUTINE_LEVELS
from service.interop.bundle import LEVEL_SYSTEM, PRIORITY, REFERENCE_SYSTEM, RULE_SYSTEM
from tests.conftest import PUBLIC_VIGNETTES
from tests.service.interop.helpers import (
    fetch_questionnaire,
    post_response,
    response_for,
    validate_resource,
)

LEVELS = ["emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care"]


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def triaged(client, intake: dict) -> tuple[dict, dict]:
    """(the JSON API's outcome, the FHIR Bundle) for the same answers."""
    via_api = client.post("/api/v1/triage", json=intake).get_json()
    response = post_response(client, response_for(fetch_questionnaire(client), intake))
    assert response.status_code == 200, response.get_json()
    return via_api, response.get_json()


@pytest.mark.parametrize("vignette", PUBLIC_VIGNETTES, ids=[v["id"] for v in PUBLIC_VIGNETTES])
def test_public_vignette_through_fhir_gives_the_json_api_level(client, vignette):
    via_api, bundle = triaged(client, vignette["intake"])
    level = next(p["valueCoding"]["code"] for p in resources(bundle, "Parameters")[0]["parameter"]
                 if p["name"] == "triage_level")
    assert level == via_api["triage_level"]
    assert level in vignette["expect"]["levels"]
    # Every resource, one by one, validates as its own R4 class (not only as a Bundle).
    validate_resource(bundle)
    for entry in bundle["entry"]:
        validate_resource(entry["resource"])
        assert entry["fullUrl"].startswith("urn:uuid:")
    check_codes(bundle, via_api)


def check_codes(bundle: dict, via_api: dict) -> None:
    """Codes our own systems define are from their value sets; references resolve."""
    fired = {r["rule"] for r in via_api["reasons"]}
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for concept in resource.get("reasonCode", []) + [resource.get("code", {})]:
            for coding in concept.get("coding", []):
                if coding["system"] == RULE_SYSTEM:
                    assert coding["code"] in fired
                if coding["system"] == LEVEL_SYSTEM:
                    assert coding["code"] in LEVELS
        for field in ("result", "outputParameters"):
            if field in resource:
                assert resource[field]["reference"] in urls
        for ref in resource.get("goal", []) + resource.get("about", []):
            assert ref["reference"] in urls


def test_guidance_response_names_the_ruleset_version_and_reference(client, intake):
    via_api, bundle = triaged(client, intake)
    guidance = bundle["entry"][0]["resource"]
    assert guidance["resourceType"] == "GuidanceResponse"
    assert guidance["moduleUri"].endswith(f"/ruleset/{via_api['ruleset_version']}")
    assert guidance["status"] == "success"
    assert guidance["requestIdentifier"]["system"] == REFERENCE_SYSTEM
    assert guidance["requestIdentifier"]["value"].startswith("ST-")
    assert bundle["identifier"]["value"] == guidance["requestIdentifier"]["value"]


def test_a_cauda_equina_case_has_a_risk_per_red_flag_and_an_emergency_referral(client,
                                                                              vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    via_api, bundle = triaged(client, ces["intake"])
    risks = resources(bundle, "RiskAssessment")
    assert [r["code"]["coding"][0]["code"] for r in risks] == [
        r["rule"] for r in via_api["referral"]["reasons"]]
    assert {"ces_saddle_numbness", "ces_bladder_bowel_change"} <= {
        r["code"]["coding"][0]["code"] for r in risks}
    (request,) = resources(bundle, "ServiceRequest")
    assert request["priority"] == "stat"
    assert request["code"]["coding"][0]["code"] == via_api["triage_level"]
    (message,) = resources(bundle, "CommunicationRequest")
    assert message["payload"][0]["contentString"] == via_api["referral"]["message"]
    assert resources(bundle, "CarePlan") == []  # nobody going to A&E is handed exercises


@pytest.mark.parametrize("level, priority", PRIORITY.items())
def test_priority_follows_the_level(level, priority):
    order = ["stat", "asap", "urgent", "routine"]
    assert order.index(priority) <= order.index(PRIORITY["consultation"])
    assert (priority == "stat") == level.startswith("emergency")


def test_a_routine_becomes_a_care_plan_with_goals_and_the_walking_plan(client, intake):
    via_api, bundle = triaged(client, intake)
    assert via_api["triage_level"] in ROUTINE_LEVELS
    (plan,) = resources(bundle, "CarePlan")
    goals = resources(bundle, "Goal")
    assert len(plan["goal"]) == len(goals) == 2
    walking = via_api["routine"]["walking_plan"]
    target = goals[-1]["target"][0]["detailQuantity"]
    assert target["value"] == walking[-1]["minutes_per_day"] and target["code"] == "min"
    codes = [a["detail"]["code"] for a in plan["activity"]]
    exercise_slugs = [c["coding"][0]["code"] for c in codes if "coding" in c]
    assert exercise_slugs == [e["slug"] for e in via_api["routine"]["exercises"]]
    weeks = [a["detail"]["scheduledTiming"]["repeat"]["duration"] for a in plan["activity"]
             if a["detail"]["code"]["text"].startswith("Walking, week")]
    assert weeks == [w["minutes_per_day"] for w in walking]
    assert plan["note"][0]["text"].startswith(via_api["routine"]["advice"][0]["title"])
    assert resources(bundle, "ServiceRequest") == []
    assert bundle["entry"][0]["resource"]["result"]["type"] == "CarePlan"


def test_a_fail_safe_outcome_is_a_failed_guidance_that_still_refers():
    from service.interop.bundle import outcome_bundle
    from service.triage.fail_safe import fail_safe

    bundle = outcome_bundle(fail_safe("ST-0000-0000", None, None))
    for entry in bundle["entry"]:
        validate_resource(entry["resource"])
    guidance = bundle["entry"][0]["resource"]
    assert guidance["status"] == "failure"
    assert guidance["moduleUri"].endswith("/ruleset/fail-safe")
    assert resources(bundle, "RiskAssessment") == []  # a failed assessment is not a red flag
    assert resources(bundle, "ServiceRequest")[0]["priority"] == "routine"
