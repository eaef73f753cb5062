"""The read-only endpoints: questionnaire, exercise library, health, OpenAPI."""

from service.triage.intake import Intake


def test_questionnaire_describes_every_intake_field_in_order(client):
    body = client.get("/api/v1/questionnaire").get_json()
    assert [q["id"] for q in body["questions"]] == list(Intake.model_fields)
    by_id = {q["id"]: q for q in body["questions"]}
    assert by_id["age"] == {**by_id["age"], "type": "integer", "required": True,
                            "minimum": 0, "maximum": 120}
    assert [c["value"] for c in by_id["leg_pain"]["choices"]] == [
        "none", "above_knee", "below_knee", "both_legs"]
    assert by_id["saddle_numbness"]["section"] == "safety"
    assert "genitals" in by_id["saddle_numbness"]["label"]
    assert by_id["sexual_dysfunction"]["required"] is False
    group = by_id["start_back"]
    assert group["type"] == "group" and len(group["questions"]) == 9
    sections = {s["id"] for s in body["sections"]}
    assert all(q["section"] in sections for q in body["questions"])
    assert all(q["label"] for q in body["questions"])


def test_exercise_library_is_the_published_one(client):
    body = client.get("/api/v1/exercises").get_json()
    assert body["ruleset_version"] == 1
    slugs = {e["slug"] for e in body["exercises"]}
    assert {"piriformis_stretch", "hamstring_stretch", "walking"} <= slugs
    assert sum(e["category"] == "core" for e in body["exercises"]) >= 2
    assert all(e["category"] in {"stretch", "core", "aerobic", "mobility"}
               for e in body["exercises"])


def test_healthz_reports_the_active_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "ruleset_version": 1}


def test_openapi_document_describes_the_api_from_the_models(client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/triage", "/api/v1/questionnaire", "/api/v1/exercises",
            "/healthz"} <= set(doc["paths"])
    post = doc["paths"]["/api/v1/triage"]["post"]
    assert {"200", "400", "413", "415", "422"} <= set(post["responses"])
    schemas = doc["components"]["schemas"]
    intake = next(s for name, s in schemas.items() if name.startswith("Intake"))
    assert set(intake["required"]) >= {"age", "saddle_numbness", "bladder_bowel_change"}
    assert intake.get("additionalProperties") is False


def test_unknown_api_paths_answer_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not found"
    assert client.get("/api/v1/triage").status_code == 405
