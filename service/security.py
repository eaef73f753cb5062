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


# Anything that is not a page (JSON, text, files) may load and run nothing at all.
NOT_A_PAGE_POLICY = ("default-src 'none'; object-src 'none'; base-uri 'none'; "
                     "form-action 'none'; frame-ancestors 'none'")


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

    def open_session(self, app: Flask, request):
        # No cookie, nothing to verify: skip building the signer (most API calls).
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        # Untouched and empty: no cookie to set, delete or vary on.
        if not session and not session.modified and not session.accessed:
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Add security headers to every response; trust one proxy's X-Forwarded-* if told."""
    if app.config.get("TRUST_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.session_interface = _SessionInterface()
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    # The same for every response: set once here, added to each response below.
    always = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        # same-origin: other sites never see our URLs, but our own HTTPS form posts keep
        # the Referer that Flask-WTF's strict CSRF check requires.
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    hsts = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")

    @app.after_request
    def add_headers(response):
        admin = request.path.startswith("/admin")
        policy = (content_security_policy(csp_nonce(), admin)
                  if response.mimetype == "text/html" else NOT_A_PAGE_POLICY)
        wanted = [("Content-Security-Policy", policy), *always]
        if request.is_secure:
            wanted.append(hsts)
        # Answers and outcomes are health data: never keep them in a shared cache.
        if request.method != "GET" or admin:
            wanted.append(("Cache-Control", "no-store"))
        # A view that set one of these itself keeps its own value.
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend([(name, value) for name, value in wanted
                                 if name.lower() not in present])
        return response
