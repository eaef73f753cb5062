"""HTTP hardening: a strict Content-Security-Policy with per-request nonces, and friends.

No page may run inline script unless it carries this request's nonce, so a payload
smuggled into clinician-written text cannot execute even if escaping ever failed.
"""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix


def csp_nonce() -> str:
    """This request's CSP nonce (templates: `nonce="{{ csp_nonce() }}"`)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str, admin: bool) -> str:
    # flask-admin's widgets set a few inline style attributes; patient pages set none.
    styles = "'self' 'unsafe-inline'" if admin else "'self'"
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src {styles}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_app(app: Flask) -> None:
    """Add security headers to every response; trust one proxy's X-Forwarded-* if told."""
    if app.config.get("TRUST_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.session_interface = _SessionInterface()
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def add_headers(response):
        admin = request.path.startswith("/admin")
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(csp_nonce(), admin))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # same-origin: other sites never see our URLs, but our own HTTPS form posts keep
        # the Referer that Flask-WTF's strict CSRF check requires.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), "
                                                          "geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        # Answers and outcomes are health data: never keep them in a shared cache.
        if request.method != "GET" or admin:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
