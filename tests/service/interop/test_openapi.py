"""The FHIR and CDS Hooks endpoints in /openapi.json, beside the JSON API, not instead."""


def test_interop_endpoints_are_documented(client):
    doc = client.get("/openapi.json").get_json()
    paths = doc["paths"]
    assert {"/api/v1/triage", "/api/v1/questionnaire", "/api/v1/exercises",
            "/healthz"} <= set(paths)
    triage = paths["/fhir/QuestionnaireResponse/$triage"]["post"]
    assert {"200", "400", "415", "422"} <= set(triage["responses"])
    assert "application/fhir+json" in triage["responses"]["200"]["content"]
    assert triage["tags"] == ["fhir"]
    assert paths["/cds-services"]["get"]["tags"] == ["cds-hooks"]
    assert "200" in paths["/fhir/Questionnaire/sciatica-intake"]["get"]["responses"]
    assert "200" in paths["/cds-services"]["get"]["responses"]
    hook = paths["/cds-services/sciatica-triage"]["post"]
    assert {"200", "401", "412"} <= set(hook["responses"])
    feedback = paths["/cds-services/sciatica-triage/feedback"]["post"]
    assert {"200", "401", "404"} <= set(feedback["responses"])
    # The JSON API's own answers are still plain JSON only.
    assert set(paths["/api/v1/triage"]["post"]["responses"]["200"]["content"]) == {
        "application/json"}
    assert "/cds-services/results/{token}" not in paths  # a page, not an API
