"""The audit log: every change with who, when, before and after; filterable; read-only."""

from __future__ import annotations

from service.extensions import db
from service.models import AuditEntry
from tests.admin.helpers import page_text, save_exercise, save_rule, words


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        return db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()


def make_changes(app, editor, publisher):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    # Advice no vignette needs: switching off any referral now fails a vignette (every
    # referring rule is guarded), and the publish would be refused.
    save_rule(editor, app, "routine_heat", enabled="")
    publisher.post("/admin/publish/publish/", data={"note": "longer hamstring hold"})


def test_changes_and_publishes_are_listed_with_before_and_after(app, editor, publisher,
                                                                viewer):
    make_changes(app, editor, publisher)
    page = words(page_text(viewer.get("/admin/auditentry/")))
    assert "editor@example.org update exercise hamstring_stretch hold_seconds: 30 → 45" in page
    assert "editor@example.org update rule routine_heat enabled: yes → no" in page
    assert "publisher@example.org publish ruleset_version 2 version 2: longer hamstring hold" \
        in page


def test_the_log_filters_by_entity_actor_and_action(app, editor, publisher, viewer):
    make_changes(app, editor, publisher)
    rules = page_text(viewer.get("/admin/auditentry/?flt0_what_equals=rule"))
    assert "routine_heat" in rules and "hamstring_stretch" not in rules
    by_publisher = page_text(viewer.get("/admin/auditentry/?flt0_who_contains=publisher"))
    assert "longer hamstring hold" in by_publisher and "routine_heat" not in by_publisher
    publishes = page_text(viewer.get("/admin/auditentry/?flt0_action_equals=publish"))
    assert "the default knowledge base" in publishes and "routine_heat" not in publishes


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
