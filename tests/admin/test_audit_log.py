"""The audit log: every change with who, when, before and after; filterable; read-only."""

from __future__ import annotations

from service.extensions import db
from service.store.models import AuditEntry
from tests.admin.gate_flow import publish_via_page
from tests.admin.helpers import page_text, save_exercise, save_rule, words


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        return db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()


def make_changes(app, editor, publisher):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    # More urgent, not less, and no other rule made redundant by it (raising upper back
    # pain would: fever with upper back pain already says GP today): it publishes without
    # a safety officer.
    save_rule(editor, app, "weight_loss_age_50_plus", **{"action-level": "consultation_24"})
    assert publish_via_page(publisher, "longer hamstring hold").status_code == 302


def test_changes_and_publishes_are_listed_with_before_and_after(app, editor, publisher,
                                                                viewer):
    make_changes(app, editor, publisher)
    page = words(page_text(viewer.get("/admin/auditentry/")))
    assert "editor@example.org update exercise hamstring_stretch hold_seconds: 30 → 45" in page
    assert ("editor@example.org update rule weight_loss_age_50_plus action: Refer: GP within 2 "
            "weeks") in page
    assert "publisher@example.org publish version 2 version 2: longer hamstring hold" in page


def test_the_log_filters_by_entity_actor_and_action(app, editor, publisher, viewer):
    make_changes(app, editor, publisher)
    rules = page_text(viewer.get("/admin/auditentry/?flt0_what_equals=rule"))
    assert "weight_loss_age_50_plus" in rules and "hamstring_stretch" not in rules
    by_publisher = page_text(viewer.get("/admin/auditentry/?flt0_who_contains=publisher"))
    assert "longer hamstring hold" in by_publisher and "weight_loss_age_50_plus" not in by_publisher
    publishes = page_text(viewer.get("/admin/auditentry/?flt0_action_equals=publish"))
    assert "the default knowledge base" in publishes and "weight_loss_age_50_plus" not in publishes


def test_an_entry_shows_every_changed_field(app, editor, viewer):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45", reps="2")
    entry = entries(app)[-1]
    page = page_text(viewer.get(f"/admin/auditentry/details/?id={entry.id}"))
    assert "<th>hold_seconds</th><td class='pre'>30</td><td class='pre'>45</td>" in page
    assert "<th>reps</th><td class='pre'>3</td><td class='pre'>2</td>" in page


def test_account_changes_are_audited_without_the_password(app, publisher):
    response = publisher.post("/admin/user/new/", data={
        "email": "New.Physio@Example.org", "role": "editor", "active": "y",
        "new_password": "a brand new password"})
    assert response.status_code == 302
    entry = entries(app)[-1]
    assert (entry.actor, entry.action, entry.entity, entry.entity_key) == (
        "publisher@example.org", "create", "user", "new.physio@example.org")
    assert entry.after == {"email": "new.physio@example.org", "role": "editor",
                           "active": True}
    assert "scrypt" not in str(entry.after) and "password" not in entry.after


def test_nobody_can_change_the_log(app, editor, publisher):
    make_changes(app, editor, publisher)
    before = [(e.id, e.after) for e in entries(app)]
    for client in (editor, publisher):
        assert client.post("/admin/auditentry/delete/", data={"id": "1"}).status_code == 403
        assert client.post("/admin/auditentry/edit/?id=1", data={"actor": "x"}
                           ).status_code == 403
    assert [(e.id, e.after) for e in entries(app)] == before
