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
