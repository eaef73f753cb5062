"""HTTP hardening: a strict Content-Security-Policy with per-request nonces, and friends.

No page may run inline script unless it carries this request's nonce, so a payload
smuggled into clinician-written text cannot execute even if escaping ever failed.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from service import log_safety
from service.body_limit import ChunkedBodyLimit
from service.rate_limits import limit_anonymous_posts


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


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def check_same_origin(app: Flask) -> None:
    """Refuse an HTTPS post, riding on our cookie, that its browser says came from
    another site.

    Flask-WTF's own HTTPS check (WTF_CSRF_SSL_STRICT) refuses every post without a
    Referer, and browsers, extensions and privacy settings may leave it out: a patient
    would get no result. Here a post is refused only if its Origin (or, failing that,
    its Referer) names another site. With neither header the CSRF token stands alone,
    bound to a SameSite=Lax cookie that a cross-site post never carries. Only requests
    carrying the session cookie are checked: without it there is nothing to forge, and
    the JSON API (which sets no cookie) is left to its callers.
    """
    if request.method not in UNSAFE_METHODS or not request.is_secure:
        return
    if app.config.get("SESSION_COOKIE_NAME", "session") not in request.cookies:
        return
    ours = f"https://{request.host}".lower()
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        claimed = _origin_of(origin)
    elif request.referrer:
        claimed = _origin_of(request.referrer)
    else:
        return
    if claimed != ours:
        raise CSRFError("The request came from another site.")


def init_app(app: Flask) -> None:
    """Add security headers to every response; trust one proxy's X-Forwarded-* if told."""
    if app.config.get("TRUST_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, lambda: app.config.get("MAX_CONTENT_LENGTH"))
    app.session_interface = _SessionInterface()
    app.before_request(lambda: check_same_origin(app))
    limit_anonymous_posts(app)
    log_safety.install()
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
