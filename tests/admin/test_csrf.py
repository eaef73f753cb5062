"""CSRF: every admin form carries a token, and a post without one is refused."""

from __future__ import annotations

import pytest

from service.extensions import db
from service.store.models import Exercise
from tests.admin.conftest import PASSWORD, csrf_token, email_for


@pytest.fixture
def csrf_client(app, users):
    """A client of the app with CSRF checks on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def sign_in(client, role: str = "publisher"):
    token = csrf_token(client.get("/admin/login/").data)
    response = client.post("/admin/login/", data={
        "email": email_for(role), "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_login_without_a_token_is_refused(csrf_client):
    response = csrf_client.post("/admin/login/",
                                data={"email": email_for("editor"), "password": PASSWORD})
    assert response.status_code == 400
    assert csrf_client.get("/admin/rule/").status_code == 302  # still signed out


def test_login_with_the_token_works(csrf_client):
    sign_in(csrf_client)
    assert csrf_client.get("/admin/rule/").status_code == 200


@pytest.mark.parametrize("path", [
    "/admin/publish/publish/", "/admin/publish/check/", "/admin/rulesetversion/restore/",
    "/admin/logout/", "/admin/tryit/", "/admin/whatif/", "/admin/rule/new/",
    "/admin/rule/delete/", "/admin/user/new/",
])
def test_posts_without_a_token_are_refused(csrf_client, path):
    sign_in(csrf_client)
    assert csrf_client.post(path, data={"note": "x", "version": "1"}).status_code == 400


def test_an_edit_needs_the_token_from_its_form(app, csrf_client, row_id):
    sign_in(csrf_client, "editor")
    pk = row_id(Exercise, "hamstring_stretch")
    url = f"/admin/exercise/edit/?id={pk}"
    page = csrf_client.get(url)
    form = {"name": "Hamstring stretch", "slug": "hamstring_stretch", "category": "stretch",
            "instructions": "Lie down.\nStretch.", "hold_seconds": "45",
            "display_order": "21", "illustration": "hamstring_stretch"}
    assert csrf_client.post(url, data=form).status_code == 400
    with app.app_context():
        assert db.session.get(Exercise, pk).hold_seconds == 30
    assert csrf_client.post(url, data={**form, "csrf_token": csrf_token(page.data)}
                            ).status_code == 302
    with app.app_context():
        assert db.session.get(Exercise, pk).hold_seconds == 45


@pytest.mark.parametrize("path", ["/admin/exercise/", "/admin/rule/new/", "/admin/publish/",
                                  "/admin/tryit/", "/admin/rulesetversion/diff/?b=1"])
def test_every_form_on_a_page_carries_the_token(csrf_client, path):
    sign_in(csrf_client)
    page = csrf_client.get(path).get_data(as_text=True)
    forms = page.count('method="post"') + page.count('method="POST"')
    assert forms and page.count('name="csrf_token"') >= forms


def test_the_panel_works_over_https(csrf_client):
    """Signing in over HTTPS, with the Referer a browser would send under the page's policy."""
    page = csrf_client.get("/admin/login/", base_url="https://localhost")
    policy = page.headers.get("Referrer-Policy", "strict-origin-when-cross-origin")
    referer = {} if policy == "no-referrer" else {"Referer": "https://localhost/admin/login/"}
    response = csrf_client.post(
        "/admin/login/", base_url="https://localhost", headers=referer,
        data={"email": email_for("viewer"), "password": PASSWORD,
              "csrf_token": csrf_token(page.data)})
    assert response.status_code == 302, response.get_data(as_text=True)
