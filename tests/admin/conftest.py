"""Admin panel fixtures: accounts for each role, and clients signed in as them.

Most tests post forms without CSRF tokens (tests/admin/test_csrf.py turns it back on
and proves tokens are required); everything else is the real app.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from admin.models import ROLES, User
from service.extensions import db

PASSWORD = "a long test password"
# A fast hash for fixtures only: accounts made through the CLI or panel use scrypt.
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def email_for(role: str) -> str:
    return f"{role}@example.org"


def add_users(app) -> dict[str, str]:
    """One active account per role; returns role -> email."""
    with app.app_context():
        for role in ROLES:
            db.session.add(User(email=email_for(role), role=role, password_hash=FAST_HASH))
        db.session.commit()
    return {role: email_for(role) for role in ROLES}


def login(client, email: str, password: str = PASSWORD):
    """Sign `client` in through the login form; returns the response."""
    return client.post("/admin/login/", data={"email": email, "password": password})


def signed_in(app, role: str):
    client = app.test_client()
    response = login(client, email_for(role))
    assert response.status_code == 302, f"{role} could not sign in"
    return client


def csrf_token(html: bytes | str) -> str:
    """The CSRF token in a rendered form."""
    text = html.decode() if isinstance(html, bytes) else html
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)


@pytest.fixture
def app(app):
    """The shared app fixture, with CSRF checks off for tests that are about other things."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def users(app) -> dict[str, str]:
    return add_users(app)


@pytest.fixture
def viewer(app, users):
    return signed_in(app, "viewer")


@pytest.fixture
def editor(app, users):
    return signed_in(app, "editor")


@pytest.fixture
def publisher(app, users):
    return signed_in(app, "publisher")


@pytest.fixture
def row_id(app):
    """The id of a draft row, e.g. row_id(Exercise, "hamstring_stretch")."""
    def find(model, slug: str) -> int:
        with app.app_context():
            return db.session.scalar(db.select(model.id).where(model.slug == slug))
    return find
