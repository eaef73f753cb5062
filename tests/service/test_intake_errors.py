"""Bad input gets a clear 4xx naming the field, and nothing is stored."""

import pytest
from sqlalchemy import func, select

from service.extensions import db
from service.store.models import TriageRecord


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(TriageRecord.id)))


def post_raw(client, data, content_type="application/json"):
    return client.post("/api/v1/triage", data=data, content_type=content_type)


@pytest.mark.parametrize("change, field, status, message", [
    (lambda i: i.pop("age"), "age", 422, "required"),
    (lambda i: i.pop("saddle_numbness"), "saddle_numbness", 422, "required"),
    (lambda i: i.update(age="57"), "age", 422, "must be a whole number"),
    (lambda i: i.update(age=57.5), "age", 422, "must be a whole number"),
    (lambda i: i.update(fever="true"), "fever", 422, "must be true or false"),
    (lambda i: i.update(fever=1), "fever", 422, "must be true or false"),
    (lambda i: i.update(age=121), "age", 422, "must be at most 120"),
    (lambda i: i.update(pain_score=-1), "pain_score", 422, "must be at least 0"),
    (lambda i: i.update(days_since_onset=36501), "days_since_onset", 422, "must be at most"),
    (lambda i: i.update(leg_pain="sideways"), "leg_pain", 422, "must be one of"),
    (lambda i: i.update(sadle_numbness=True), "sadle_numbness", 422, "unknown field"),
    (lambda i: i.update(start_back_risk="low"), "start_back_risk", 422, "unknown field"),
    (lambda i: i.update(start_back={"q1": True}), "start_back.q2", 422, "required"),
    (lambda i: i.update(start_back=[]), "start_back", 422, "must be an object"),
])
def test_each_bad_answer_is_named(app, client, intake, change, field, status, message):
    change(intake)
    response = client.post("/api/v1/triage", json=intake)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == "invalid intake"
    assert message in body["fields"][field]
    assert stored(app) == 0


def test_a_whole_number_written_as_a_float_is_accepted(client, intake):
    """JSON Schema's `integer` admits 17.0, so the published contract must too."""
    intake.update(age=57.0, walking_minutes=20.0)
    response = client.post("/api/v1/triage", json=intake)
    assert response.status_code == 200, response.get_json()


def test_every_bad_field_is_named_at_once(app, client, intake):
    intake.pop("age")
    intake["fever"] = "yes"
    intake["extra"] = 1
    body = client.post("/api/v1/triage", json=intake).get_json()
    assert set(body["fields"]) == {"age", "fever", "extra"}


@pytest.mark.parametrize("data, content_type, status, message", [
    (b"{not json", "application/json", 400, "is not valid JSON"),
    (b"[1, 2]", "application/json", 400, "must be a JSON object"),
    (b'"age"', "application/json", 400, "must be a JSON object"),
    (b"", "application/json", 400, "is not valid JSON"),
    (b'{"age": NaN}', "application/json", 400, "NaN"),
    (b'{"age": Infinity}', "application/json", 400, "Infinity"),
    (b'{"pain_score": -Infinity}', "application/json", 400, "-Infinity"),
    (b'{"age": 1e999}', "application/json", 422, "must be"),
    (b'{"age": 40, "age": 41}', "application/json", 400, "given more than once"),
    (b"\xff\xfe{}", "application/json", 400, "must be UTF-8"),
    (b'{"age": 40}', "text/plain", 415, "application/json"),
    (b"age=40", "application/x-www-form-urlencoded", 415, "application/json"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "nested too deeply"),
])
def test_unreadable_bodies(app, client, data, content_type, status, message):
    response = post_raw(client, data, content_type)
    assert response.status_code == status
    fields = response.get_json()["fields"]
    assert any(message in text for text in fields.values()), fields
    assert stored(app) == 0


def test_a_body_over_one_megabyte_is_refused(app, client, intake):
    response = post_raw(client, b'{"pad": "' + b"x" * (1024 * 1024) + b'"}')
    assert response.status_code == 413
    assert stored(app) == 0
