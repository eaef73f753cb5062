"""A session ends for good: a saved cookie is useless after sign-out, a change of role,
deactivation (re-activation does not revive it), and after its absolute lifetime."""

from __future__ import annotations

import time

import pytest

from admin.models import User
from service.extensions import db
from tests.admin.conftest import email_for, signed_in

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chromium/131"}
OTHER_BROWSER = {"User-Agent": "curl/8.5"}
NEW_PUBLISHER = {"email": "intruder@example.org", "role": "publisher", "active": "y",
                 "new_password": "an intruder's long password"}


def saved_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A fresh client (another machine) sending a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def can_do_anything(app, cookie: str, headers: dict) -> bool:
    thief = replay(app, cookie)
    reads = thief.get("/admin/rule/", headers=headers).status_code == 200
    created = thief.post("/admin/user/new/", data=NEW_PUBLISHER, headers=headers)
    with app.app_context():
        made = db.session.scalar(db.select(User.id).where(User.email == NEW_PUBLISHER["email"]))
    return reads or created.status_code != 302 or made is not None


def sign_in(app, role: str, headers: dict = BROWSER):
    client = app.test_client()
    response = client.post("/admin/login/", headers=headers, data={
        "email": email_for(role), "password": "a long test password"})
    assert response.status_code == 302
    return client


def test_the_cookie_works_before_sign_out(app, users):
    publisher = sign_in(app, "publisher")
    assert replay(app, saved_cookie(publisher)).get("/admin/rule/", headers=BROWSER
                                                      ).status_code == 200


@pytest.mark.parametrize("headers", [BROWSER, OTHER_BROWSER])
def test_a_cookie_saved_before_sign_out_can_do_nothing_after(app, users, headers):
    publisher = sign_in(app, "publisher")
    cookie = saved_cookie(publisher)
    assert publisher.post("/admin/logout/", headers=BROWSER).status_code == 302
    assert not can_do_anything(app, cookie, headers)


def test_another_browser_cannot_use_a_live_session(app, users):
    cookie = saved_cookie(sign_in(app, "publisher"))
    assert not can_do_anything(app, cookie, OTHER_BROWSER)


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, users):
    cookie = saved_cookie(sign_in(app, "publisher"))
    publisher = signed_in(app, "publisher")  # another publisher session does the editing
    pk = _user_id(app, "editor")
    editor_cookie = saved_cookie(sign_in(app, "editor"))
    for active in ("", "y"):
        data = {"email": email_for("editor"), "role": "editor"} | ({"active": "y"} if active
                                                                 else {})
        assert publisher.post(f"/admin/user/edit/?id={pk}", data=data).status_code == 302
    assert replay(app, editor_cookie).get("/admin/rule/", headers=BROWSER).status_code == 302
    assert can_do_anything(app, cookie, BROWSER)  # the other publisher is untouched


def test_a_change_of_role_ends_the_old_sessions(app, users):
    cookie = saved_cookie(sign_in(app, "editor"))
    publisher = signed_in(app, "publisher")
    response = publisher.post(f"/admin/user/edit/?id={_user_id(app, 'editor')}",
                              data={"email": email_for("editor"), "role": "publisher",
                                    "active": "y"})
    assert response.status_code == 302
    # Even a promotion: the old session does not quietly gain publisher's powers.
    assert not can_do_anything(app, cookie, BROWSER)


def test_a_session_ends_after_its_absolute_lifetime_however_busy(app, users):
    app.config["SESSION_ABSOLUTE_LIFETIME"] = 4
    asked = time.time()
    client = sign_in(app, "viewer")
    signed_in = time.time()
    # The sign-in time is kept in whole seconds: the session ends 3 to 4 s after `asked`.
    while time.time() - asked < 2.5:  # used all the time: never idle
        assert client.get("/admin/rule/", headers=BROWSER).status_code == 200
        time.sleep(0.2)
    time.sleep(max(0.0, signed_in + 4.2 - time.time()))
    assert client.get("/admin/rule/", headers=BROWSER).status_code == 302


def test_the_absolute_lifetime_defaults_to_twelve_hours(app):
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == 12 * 3600
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 8 * 3600


def _user_id(app, role: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.email == email_for(role)))
