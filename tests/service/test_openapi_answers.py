"""/openapi.json lists the answers each endpoint can give, and only those."""

import pytest

from tests.service.test_database_outage import outage  # noqa: F401  (a fixture)

GETS = ["/api/v1/questionnaire", "/api/v1/exercises", "/healthz"]


@pytest.mark.parametrize("path", GETS)
def test_a_get_endpoint_lists_no_422_and_ignores_any_query(client, path):
    """They read no query or body, so no request can fail validation with a 422."""
    doc = client.get("/openapi.json").get_json()
    assert "422" not in doc["paths"][path]["get"]["responses"]
    response = client.get(path + "?age=old&fevr=1", data="not json",
                          content_type="application/json")
    assert response.status_code == 200


def test_triage_lists_the_503_it_gives_when_the_database_is_down(outage, intake):  # noqa: F811
    app, cut, restore = outage
    client = app.test_client()
    doc = client.get("/openapi.json").get_json()
    listed = doc["paths"]["/api/v1/triage"]["post"]["responses"]
    assert {"200", "400", "413", "415", "422", "503"} <= set(listed)
    ref = listed["503"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]

    cut()
    try:
        response = client.post("/api/v1/triage", json=intake)
    finally:
        restore()  # the fixture's teardown needs the database back
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == set(schema["properties"]) and set(schema["required"]) <= set(body)


def test_triage_lists_the_429_it_gives_past_the_intake_ceiling(app, intake):
    app.config["INTAKE_LIMIT_PER_HOUR"] = 1
    from service.rate_limits import limit_anonymous_posts

    limit_anonymous_posts(app)  # the ceiling is set up when the app is made: again, at 1
    client = app.test_client()
    doc = client.get("/openapi.json").get_json()
    listed = doc["paths"]["/api/v1/triage"]["post"]["responses"]
    ref = listed["429"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    answers = [client.post("/api/v1/triage", json=intake) for _ in range(3)]
    refused = [r for r in answers if r.status_code == 429]
    assert refused, [r.status_code for r in answers]
    body = refused[0].get_json()
    assert set(body) == set(schema["properties"]) and int(refused[0].headers["Retry-After"]) > 0
