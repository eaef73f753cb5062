"""Real changes posted straight to the server by a role too low for them: refused, no effect."""

from __future__ import annotations

import json

from admin.models import ROLES, User
from service.extensions import db
from service.store.models import Exercise, Rule
from tests.admin.helpers import exercise_form, page_text, versions, words


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(model.id)))


def hold(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Exercise.hold_seconds).where(
            Exercise.slug == "hamstring_stretch"))


def test_a_viewer_cannot_edit_create_or_delete(app, viewer):
    exercises, rules = count(app, Exercise), count(app, Rule)
    pk, form = exercise_form(app, "hamstring_stretch", hold_seconds="45")
    assert viewer.post(f"/admin/exercise/edit/?id={pk}", data=form).status_code == 403
    assert viewer.post("/admin/exercise/new/", data={**form, "slug": "x"}).status_code == 403
    assert viewer.post("/admin/exercise/delete/", data={"id": pk}).status_code == 403
    rule = {"name": "x", "slug": "x", "enabled": "y", "reason": "x",
            "conditions": json.dumps({"all": []}), "action-type": "add_advice",
            "action-advice": "stay_active"}
    assert viewer.post("/admin/rule/new/", data=rule).status_code == 403
    assert hold(app) == 30
    assert (count(app, Exercise), count(app, Rule)) == (exercises, rules)


def test_an_editor_cannot_publish_restore_or_manage_accounts(app, editor):
    assert editor.post("/admin/publish/publish/", data={"note": "sneaky"}).status_code == 403
    assert editor.post("/admin/rulesetversion/restore/", data={"version": "1"}
                       ).status_code == 403
    assert editor.post("/admin/user/new/", data={
        "email": "x@example.org", "role": "publisher", "active": "y",
        "new_password": "a long enough password"}).status_code == 403
    assert versions(app) == [1]
    assert count(app, User) == len(ROLES)


def test_the_last_publisher_cannot_be_removed(app, publisher):
    with app.app_context():
        me = db.session.scalar(db.select(User).where(User.role == "publisher"))
    response = publisher.post(f"/admin/user/edit/?id={me.id}", data={
        "email": me.email, "role": "editor", "active": "y"})
    assert "at least one active publisher must remain" in page_text(response)
    response = publisher.post("/admin/user/delete/", data={"id": me.id},
                              follow_redirects=True)
    assert "you cannot delete your own account" in page_text(response)
    with app.app_context():
        assert db.session.get(User, me.id).role == "publisher"


def test_a_refusal_says_which_role_is_needed(viewer, editor):
    page = page_text(viewer.get("/admin/rule/new/"))
    assert "You are signed in as viewer@example.org, a viewer" in words(page)
    assert "This needs the editor role" in words(page)
    assert "This needs the publisher role" in words(page_text(editor.get("/admin/user/")))
