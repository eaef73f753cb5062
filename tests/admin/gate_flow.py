"""The publish, restore and approve flows, driven through the forms the pages render."""

from __future__ import annotations

from tests.admin.conftest import PASSWORD, email_for
from tests.admin.rendered_form import find_form, submit


def sign_in_via_page(app, role: str):
    """A client signed in through the rendered login form (CSRF token and all)."""
    client = app.test_client()
    response = submit(client, client.get("/admin/login/"), "Sign in",
                      email=email_for(role), password=PASSWORD)
    assert response.status_code == 302, f"{role} could not sign in"
    return client


def publish_via_page(client, note: str = "a note"):
    """Publish the draft as a publisher would: note, then confirm. The last response."""
    first = submit(client, client.get("/admin/publish/"), "Publish the draft", note=note)
    if first.status_code != 200:
        return first
    return submit(client, first, "Publish now")


def restore_via_page(client, version: int):
    """Restore `version` from its compare page, then confirm. The last response."""
    page = client.get(f"/admin/rulesetversion/diff/?b={version}")
    first = submit(client, page, f"Restore version {version}")
    if first.status_code != 200:
        return first
    return submit(client, first, "Publish now")


def approve_via_page(client, reason: str, version: int | None = None):
    """Approve the draft (or `version`) with `reason` in every reason box."""
    url = "/admin/publish/approve/" + (f"?version={version}" if version else "")
    page = client.get(url)
    form = find_form(page.get_data(), "Approve")
    reasons = {name: reason for name in form.fields if name.startswith("reason_")}
    return submit(client, page, "Approve", **reasons)


def edit_rule_via_page(client, app, slug: str, **values: str | None):
    """Change draft rule `slug` through its rendered edit form (None unticks a box)."""
    from service.extensions import db
    from service.store.models import Rule

    with app.app_context():
        pk = db.session.scalar(db.select(Rule.id).where(Rule.slug == slug))
    page = client.get(f"/admin/rule/edit/?id={pk}")
    response = submit(client, page, "Save", **values)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response
