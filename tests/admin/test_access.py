"""The access matrix: every admin URL and method, for anonymous and each role.

A cell is one of: the page itself (the "allowed" status), a redirect to the login page
(anonymous), or 403 (signed in, role too low). Posts carry no valid data, so an allowed
post changes nothing; test_roles_enforced.py posts real changes.
"""

from __future__ import annotations

import pytest

from admin.models import ROLE_INCLUDES, ROLES
from service import close_app, create_app
from service.store.database import initialise_database
from tests.admin.conftest import add_users, signed_in
from tests.conftest import database_uri, empty_database

ANONYMOUS = "anonymous"

# (method, path, who may, what they get). "nobody": 403 for every signed-in role.
MATRIX: list[tuple[str, str, str, int]] = [
    ("GET", "/admin/", "viewer", 200),
    ("GET", "/admin/rule/vocabulary.json", "viewer", 200),
    ("GET", "/admin/tryit/", "viewer", 200),
    ("POST", "/admin/tryit/", "viewer", 200),
    ("GET", "/admin/whatif/", "viewer", 200),
    ("POST", "/admin/whatif/", "viewer", 200),
    ("GET", "/admin/whatifjobs/", "viewer", 200),
    ("POST", "/admin/whatifjobs/start/", "editor", 400),  # nothing chosen: no job started
    ("GET", "/admin/whatifjobs/999/", "viewer", 404),  # no such job
    ("GET", "/admin/whatifjobs/999/progress.json", "viewer", 404),
    ("POST", "/admin/whatifjobs/999/cancel/", "editor", 404),
    ("GET", "/admin/trycourse/", "viewer", 200),
    ("POST", "/admin/trycourse/", "viewer", 200),
    ("GET", "/admin/publish/", "viewer", 200),
    ("POST", "/admin/publish/check/", "viewer", 200),
    ("POST", "/admin/publish/publish/", "publisher", 400),  # no note: refused, not published
    ("GET", "/admin/publish/approve/", "safety_officer", 200),
    ("POST", "/admin/publish/approve/", "safety_officer", 400),  # no draft: nothing approved
    ("GET", "/admin/rulesetversion/diff/?b=1", "viewer", 200),
    ("POST", "/admin/rulesetversion/restore/", "publisher", 400),  # no version given
]
for view, write in (("rule", "editor"), ("exercise", "editor"), ("advice", "editor"),
                    ("vignette", "editor"), ("user", "publisher"),
                    ("rulesetversion", "nobody"), ("auditentry", "nobody")):
    read = "publisher" if view == "user" else "viewer"
    details = 302 if view in ("user", "rulesetversion") else 200  # 302: no details page
    MATRIX += [
        ("GET", f"/admin/{view}/", read, 200),
        ("GET", f"/admin/{view}/details/?id=1", read, details),
        ("GET", f"/admin/{view}/export/csv/", read, 302),  # export is off
        ("GET", f"/admin/{view}/ajax/lookup/?name=x", read, 404),
        ("GET", f"/admin/{view}/new/", write, 200),
        ("POST", f"/admin/{view}/new/", write, 200),  # re-shown with errors
        ("GET", f"/admin/{view}/edit/?id=1", write, 200),
        ("POST", f"/admin/{view}/edit/?id=1", write, 200),
        ("POST", f"/admin/{view}/delete/", write, 302),  # no id: nothing deleted
        ("POST", f"/admin/{view}/action/", write, 302),  # no action: nothing done
        ("POST", f"/admin/{view}/ajax/update/", write, 404),  # no inline editing
    ]


def expected(who: str, role: str, allowed_status: int) -> int | str:
    if role == ANONYMOUS:
        return "login"
    if who == "nobody" or who not in ROLE_INCLUDES[role]:
        return 403
    return allowed_status


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    """One app for the whole matrix: its cells change nothing, so they can share it."""
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path_factory.mktemp("matrix")),
        "SECRET_KEY": "test-only-secret", "RULESET_POLL_SECONDS": 0.0,
        "WTF_CSRF_ENABLED": False,
    })
    with app.app_context():
        empty_database()
        initialise_database()
    add_users(app)
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def clients(matrix_app):
    made = {role: signed_in(matrix_app, role) for role in ROLES}
    made[ANONYMOUS] = matrix_app.test_client()
    return made


@pytest.mark.parametrize("role", [ANONYMOUS, *ROLES])
@pytest.mark.parametrize("method, path, who, allowed_status", MATRIX)
def test_access(clients, role, method, path, who, allowed_status):
    response = clients[role].open(path, method=method)
    want = expected(who, role, allowed_status)
    if want == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == want, response.headers.get("Location")


def test_the_matrix_covers_every_admin_url(matrix_app):
    """A new admin URL without a row here fails, so none escapes the role checks."""
    covered = {(method, path.split("?")[0]) for method, path, _, _ in MATRIX}
    covered |= {("GET", "/admin/login/"), ("POST", "/admin/login/"),
                ("POST", "/admin/logout/")}  # test_login.py
    missing = []
    for rule in matrix_app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint.endswith("static"):
            continue
        path = rule.rule.replace("<export_type>", "csv").replace("<int:job_id>", "999")
        missing += [(m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})
                    if (m, path) not in covered]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_login_page_sends_signed_in_users_home(clients, role):
    response = clients[role].get("/admin/login/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
