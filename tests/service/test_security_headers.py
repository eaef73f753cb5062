"""Security headers on every kind of response; session cookies locked down."""

import pytest


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";"))}


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/healthz"), ("GET", "/api/v1/questionnaire"),
    ("POST", "/api/v1/triage"), ("GET", "/admin/"), ("GET", "/no-such-page"),
])
def test_every_response_carries_the_security_headers(client, method, path, intake):
    response = client.open(path, method=method, json=intake if method == "POST" else None)
    policy = csp(response)
    if response.mimetype == "text/html":  # a page: only this response's own scripts run
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert "'nonce-" in policy["script-src"]
    else:  # JSON: nothing may load or run at all
        assert policy["default-src"] == "default-src 'none'" and "script-src" not in policy
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_each_page_gets_a_fresh_nonce(client):
    first = csp(client.get("/"))["script-src"]
    second = csp(client.get("/"))["script-src"]
    assert first != second


def test_answers_are_never_cached(client, intake):
    assert client.post("/api/v1/triage", json=intake).headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_is_httponly_samesite_and_secure_over_https(app):
    @app.get("/_test/session")
    def touch_session():
        from flask import session

        session["seen"] = True
        return "ok"

    plain = app.test_client().get("/_test/session").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = app.test_client().get("/_test/session", base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]
