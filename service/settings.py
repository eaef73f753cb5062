"""All configuration, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def database_url(instance_path: str) -> str:
    """DATABASE_URL, or a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'sciatica-triage.db'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Accept Heroku's `postgres://` spelling and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY, or one generated once into the instance folder (never hard-coded)."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """The app's configuration for this environment."""
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # `serve` listens on every interface unless told otherwise (127.0.0.1: this machine).
        "HOST": os.environ.get("HOST", "").strip() or "0.0.0.0",
        "PORT": int(os.environ.get("PORT", "5000")),
        # Seconds a request waits for the database (to connect, for a lock, for an
        # answer) before answering 503 (service/store/deadline.py).
        "DATABASE_CONNECT_TIMEOUT": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "10")),
        "WEB_CONCURRENCY": int(os.environ.get("WEB_CONCURRENCY", "2")),
        # An intake is a few hundred bytes; anything over 1 MB is refused with 413.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # How often a process checks for a newly published ruleset version.
        "RULESET_POLL_SECONDS": float(os.environ.get("RULESET_POLL_SECONDS", "0.25")),
        "RETENTION_DAYS": int(os.environ.get("RETENTION_DAYS", "365")),
        # Posts from one address outside the panel, per hour, counted in the database by
        # every worker together (service/rate_limits.py); 0 turns the ceiling off.
        "INTAKE_LIMIT_PER_HOUR": int(os.environ.get("INTAKE_LIMIT_PER_HOUR", "300")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        # A panel session ends after 8 h unused, and 12 h after signing in however used.
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "SESSION_ABSOLUTE_LIFETIME": int(os.environ.get("SESSION_ABSOLUTE_LIFETIME",
                                                        str(12 * 3600))),
        # A patient in pain may take more than an hour over the form; the token stays
        # bound to the session cookie, so no time limit is needed to tie it to them.
        "WTF_CSRF_TIME_LIMIT": None,
        # Flask-WTF's HTTPS check refuses any post without a Referer, which a browser or
        # privacy tool may leave out: service/security.py checks Origin and Referer
        # instead, refusing a post that names another site (docs/security.md).
        "WTF_CSRF_SSL_STRICT": False,
        # Behind one reverse proxy (a PaaS router), trust its X-Forwarded-Proto and -For.
        "TRUST_PROXY": os.environ.get("TRUST_PROXY", "") == "1",
        # CDS Hooks: trusted issuers and their keys (JSON, or @file: issuer -> JWK Set),
        # extra accepted audiences (the URL clients call, when a proxy rewrites it), how
        # long a card's link to the result works, and a switch for local testing only.
        "CDS_HOOKS_JWKS": os.environ.get("CDS_HOOKS_JWKS", ""),
        "CDS_HOOKS_AUDIENCE": [a.strip() for a in os.environ.get(
            "CDS_HOOKS_AUDIENCE", "").split(",") if a.strip()],
        "CDS_HOOKS_LINK_SECONDS": int(os.environ.get("CDS_HOOKS_LINK_SECONDS", "3600")),
        "CDS_HOOKS_INSECURE_NO_AUTH": os.environ.get("CDS_HOOKS_INSECURE_NO_AUTH", "") == "1",
    }
