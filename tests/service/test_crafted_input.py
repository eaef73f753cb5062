"""Crafted input gets a clear 4xx, never a 500: huge numbers, and 405s that say what works."""

from __future__ import annotations

import pytest

from tests.service.test_pages import stored


@pytest.mark.parametrize("number, field", [
    ("1" * 4301, "age"),  # past CPython's 4,300-digit limit on int()
    ("-" + "9" * 5000, "pain_score"),
    ("9" * 21, "days_since_onset"),
    ("1" * 100_000, "walking_minutes"),
])
def test_huge_integers_are_refused_by_name(client, app, intake, number, field):
    body = intake | {field: 0}
    text = client.application.json.dumps(body).replace(f'"{field}": 0', f'"{field}": {number}')
    response = client.post("/api/v1/triage", data=text, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["fields"] == {field: "is far too large a number"}
    assert stored(app) == 0


@pytest.mark.parametrize("number", ["1e999", "1" * 5000 + ".5", "-1e999"])
def test_huge_and_endless_decimals_are_refused(client, app, intake, number):
    text = client.application.json.dumps(intake | {"age": 0}).replace('"age": 0',
                                                                      f'"age": {number}')
    response = client.post("/api/v1/triage", data=text, content_type="application/json")
    assert response.status_code == 422 and "age" in response.get_json()["fields"]
    assert stored(app) == 0


def test_a_huge_number_in_a_field_that_does_not_exist_is_named_unknown(client, intake):
    text = client.application.json.dumps(intake)[:-1] + ', "fevr": ' + "7" * 4400 + "}"
    response = client.post("/api/v1/triage", data=text, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"fevr": "unknown field"}


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/api/v1/triage", {"POST"}),
    ("POST", "/healthz", {"GET"}),
    ("PUT", "/api/v1/questionnaire", {"GET"}),
    ("DELETE", "/", {"GET", "POST"}),
    ("GET", "/admin/logout/", {"POST"}),
])
def test_405_says_which_methods_are_allowed(client, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
