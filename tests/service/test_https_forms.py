"""The patient form over HTTPS: accepted with or without a Referer, refused from elsewhere."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from service import create_app
from service.extensions import db
from service.store.database import initialise_database
from tests.conftest import database_uri, empty_database
from tests.service.test_pages import routine_answers, stored

HTTPS = "https://triage.example.org"


def form_post(client, headers: dict, base_url: str = HTTPS, **get_headers):
    """GET the form and post it back with the token, sending `headers` with the post."""
    page = client.get("/", base_url=base_url, headers=get_headers)
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    data = MultiDict(routine_answers())
    data["csrf_token"] = token
    return client.post("/", base_url=base_url, data=data, headers=headers)


@pytest.fixture
def https_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_the_patient_pages_do_not_ask_browsers_to_drop_the_referer(client):
    page = client.get("/", base_url=HTTPS)
    assert 'name="referrer"' not in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("headers", [
    {},  # a browser or privacy setting that sends neither Origin nor Referer
    {"Origin": HTTPS},
    {"Origin": "null"},  # what Chromium sends under a no-referrer policy
    {"Referer": HTTPS + "/"},
])
def test_a_patient_posting_over_https_gets_a_result(https_app, headers):
    client = https_app.test_client()
    response = form_post(client, headers)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    result = client.get(response.headers["Location"], base_url=HTTPS)
    assert "data-triage-level" in result.get_data(as_text=True)
    assert stored(https_app) == 1


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "http://triage.example.org"},  # a downgraded page on our own name
    {"Referer": "https://evil.example/form"},
    {"Origin": "null", "Referer": "https://evil.example/"},
])
def test_a_post_from_another_site_is_refused(https_app, headers):
    response = form_post(https_app.test_client(), headers)
    assert response.status_code == 400
    assert "data-triage-level" not in response.get_data(as_text=True)
    assert stored(https_app) == 0


def test_behind_a_tls_proxy_with_trust_proxy(tmp_path):
    """TRUST_PROXY=1: the app sees HTTPS through X-Forwarded-Proto and checks the same."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
                      "SECRET_KEY": "test", "RULESET_POLL_SECONDS": 0.0,
                      "TRUST_PROXY": True, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        empty_database()
        initialise_database()
    try:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "triage.example.org"}
        plain = "http://10.0.0.5:8000"  # the address the proxy talks to
        client = app.test_client()
        ok = form_post(client, {**forwarded, "Origin": HTTPS}, plain, **forwarded)
        assert ok.status_code == 303 and ok.headers["Strict-Transport-Security"].startswith(
            "max-age=")
        result = client.get(ok.headers["Location"], base_url=plain, headers=forwarded)
        assert "data-triage-level" in result.get_data(as_text=True)
        refused = form_post(app.test_client(), {**forwarded, "Origin": "https://evil.example"},
                            plain, **forwarded)
        assert refused.status_code == 400
    finally:
        with app.app_context():
            app.extensions["sciatica_ruleset"].close()
            app.extensions["sciatica_records"].close()
            db.session.remove()
            db.engine.dispose()
