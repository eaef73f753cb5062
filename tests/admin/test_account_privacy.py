"""Accounts (emails, roles) are for publishers: no other role reads them by any path."""

from __future__ import annotations

import pytest

from service.extensions import db
from service.store.models import AuditEntry
from tests.admin.helpers import page_text

SECRET = "hidden.colleague@example.org"


@pytest.fixture
def account_change(app, publisher) -> int:
    """A publisher creates an account; returns the id of its audit entry."""
    response = publisher.post("/admin/user/new/", data={
        "email": SECRET, "role": "editor", "active": "y",
        "new_password": "a long enough password"})
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalar(db.select(AuditEntry.id).where(AuditEntry.entity == "user"))


PATHS = ["/admin/", "/admin/auditentry/", "/admin/auditentry/?flt0_what_equals=user",
         "/admin/auditentry/?flt0_which_contains=hidden",
         "/admin/auditentry/?flt0_which_contains=example.org&flt1_what_equals=user",
         "/admin/auditentry/?search=hidden", "/admin/auditentry/?sort=1",
         "/admin/user/", "/admin/auditentry/export/csv/"]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_no_path_shows_accounts_below_publisher(app, account_change, users, role, request):
    client = request.getfixturevalue(role)
    for path in [*PATHS, f"/admin/auditentry/details/?id={account_change}"]:
        response = client.get(path, follow_redirects=True)
        assert SECRET not in page_text(response), f"{role} read an account at {path}"
        assert "hidden.colleague" not in page_text(response)


def test_a_publisher_reads_account_changes(account_change, publisher):
    assert SECRET in page_text(publisher.get("/admin/auditentry/?flt0_what_equals=user"))
    details = publisher.get(f"/admin/auditentry/details/?id={account_change}")
    assert SECRET in page_text(details) and "editor" in page_text(details)
    assert SECRET in page_text(publisher.get("/admin/"))


def test_anonymous_reads_nothing(client, account_change):
    for path in PATHS:
        assert SECRET not in page_text(client.get(path, follow_redirects=True))


def test_other_changes_stay_visible_to_viewers(app, account_change, editor, viewer):
    from tests.admin.helpers import save_exercise

    assert save_exercise(editor, app, "hamstring_stretch", hold_seconds="35").status_code == 302
    log = page_text(viewer.get("/admin/auditentry/?flt0_what_equals=exercise"))
    assert "hamstring_stretch" in log and "editor@example.org" in log
