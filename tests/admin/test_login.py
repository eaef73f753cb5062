"""Signing in and out: hashed passwords, safe redirects, sessions that end."""

from __future__ import annotations

import time

import pytest

from admin.models import User
from service.extensions import db
from tests.admin.conftest import PASSWORD, email_for, login


def signed_in_as(client) -> bool:
    return client.get("/admin/rule/").status_code == 200


def test_a_page_asks_for_sign_in_then_comes_back(client, users):
    response = client.get("/admin/rule/?search=fever")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login/?next=/admin/rule/?search%3Dfever"
    response = client.post(response.headers["Location"],
                           data={"email": email_for("viewer"), "password": PASSWORD})
    assert response.headers["Location"] == "/admin/rule/?search=fever"


def test_the_login_page_explains_itself(client):
    page = client.get("/admin/login/").get_data(as_text=True)
    assert "Sign in to edit the clinical content" in page
    assert 'type="password"' in page
    words = " ".join(page.split())
    assert "Forgotten your password? A publisher can set a new one for you under Accounts." \
        in words


@pytest.mark.parametrize("email, password", [
    (email_for("editor"), "not the password"),
    ("nobody@example.org", PASSWORD),
    ("", ""),
])
def test_wrong_credentials_do_not_sign_in(client, users, email, password):
    response = login(client, email, password)
    assert response.status_code == 200
    if email:
        assert "do not match an active account" in response.get_data(as_text=True)
    assert not signed_in_as(client)


def test_email_is_matched_without_case_or_spaces(client, users):
    assert login(client, "  Editor@Example.ORG ").status_code == 302
    assert signed_in_as(client)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin",
                                    "/api/v1/exercises", "javascript:alert(1)"])
def test_login_never_redirects_outside_the_panel(client, users, target):
    response = client.post("/admin/login/", query_string={"next": target},
                           data={"email": email_for("viewer"), "password": PASSWORD})
    assert response.headers["Location"] == "/admin/"


def test_sign_out_is_a_post_and_ends_the_session(viewer):
    assert viewer.get("/admin/logout/").status_code == 405  # a link cannot sign you out
    response = viewer.post("/admin/logout/")
    assert response.headers["Location"] == "/admin/login/"
    assert not signed_in_as(viewer)


def test_an_inactive_account_cannot_sign_in_and_is_signed_out(app, users, editor):
    with app.app_context():
        db.session.scalar(db.select(User).where(User.role == "editor")).active = False
        db.session.commit()
    assert not signed_in_as(editor)
    assert login(app.test_client(), email_for("editor")).status_code == 200


def test_a_new_password_signs_out_every_session(app, users, publisher, editor):
    response = publisher.post(f"/admin/user/edit/?id={_user_id(app, 'editor')}", data={
        "email": email_for("editor"), "role": "editor", "active": "y",
        "new_password": "another long password"})
    assert response.status_code == 302
    assert not signed_in_as(editor)
    assert login(app.test_client(), email_for("editor"), "another long password"
                 ).status_code == 302


def test_a_role_change_applies_at_once(app, users, publisher, editor):
    assert editor.get("/admin/rule/new/").status_code == 200
    publisher.post(f"/admin/user/edit/?id={_user_id(app, 'editor')}",
                   data={"email": email_for("editor"), "role": "viewer", "active": "y"})
    # The demoted session ends at once (admin/sessions.py): no page of the old role.
    response = editor.get("/admin/rule/new/")
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]
    assert login(editor, email_for("editor")).status_code == 302
    assert editor.get("/admin/rule/new/").status_code == 403  # signed in again: a viewer


def test_sessions_expire(app, users, viewer):
    app.config["PERMANENT_SESSION_LIFETIME"] = 1
    time.sleep(2.1)
    response = viewer.get("/admin/rule/")
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]


def test_the_session_cookie_is_locked_down(client, users):
    response = login(client, email_for("viewer"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def _user_id(app, role: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.role == role))


def test_password_guessing_is_slowed_down(client, users):
    for _ in range(10):
        assert login(client, email_for("editor"), "a guess").status_code == 200
    refused = login(client, email_for("editor"))  # even the right password
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # the window is one minute
    assert client.get("/admin/login/").status_code == 200  # the page itself still loads
