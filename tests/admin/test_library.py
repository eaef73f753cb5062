"""Exercises and advice: every field editable, each save checked by rules.schema, audited."""

from __future__ import annotations

import html

import pytest

from service.extensions import db
from service.store.models import Advice, AuditEntry, Exercise

HAMSTRING = {
    "name": "Hamstring stretch", "slug": "hamstring_stretch", "category": "stretch",
    "purpose": "Lengthens the back of the thigh.",
    "instructions": "Lie on your back.\n\n  Loop a towel round one foot.  \nStraighten the leg.\n",
    "hold_seconds": "45", "reps": "3", "sets": "1", "times_per_day": "2",
    "cautions": "Stop if the pain spreads down the leg.\nDo not bounce.",
    "illustration": "hamstring_stretch", "display_order": "21",
}


def exercise(app, slug="hamstring_stretch") -> Exercise:
    with app.app_context():
        return db.session.scalar(db.select(Exercise).where(Exercise.slug == slug))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_edit_form_has_every_field_of_the_library(editor, row_id):
    page = text(editor.get(f"/admin/exercise/edit/?id={row_id(Exercise, 'walking')}"))
    for name in ("name", "slug", "category", "purpose", "instructions", "hold_seconds",
                 "reps", "sets", "times_per_day", "cautions", "illustration", "display_order"):
        assert f'name="{name}"' in page, name
    assert "Wear comfortable shoes with good support" in page  # the steps, one per line
    for category in ("stretch", "core", "aerobic", "mobility"):
        assert f'value="{category}">{category}</option>' in page
    # The drawing is picked from those the patient pages have, not typed.
    assert '<option selected value="walking">Walking</option>' in page
    assert '<option value="piriformis_stretch">Piriformis stretch</option>' in page
    assert '<option value="">None: the plain figure</option>' in page


def test_a_drawing_the_pages_do_not_have_is_refused(app, editor, row_id):
    before = exercise(app).illustration
    response = editor.post(f"/admin/exercise/edit/?id={row_id(Exercise, 'hamstring_stretch')}",
                           data={**HAMSTRING, "illustration": "hamstring_strech"})
    assert response.status_code == 200
    assert "Not a valid choice" in text(response)
    assert exercise(app).illustration == before


def test_steps_are_lines_and_doses_numbers(app, editor, row_id):
    response = editor.post(f"/admin/exercise/edit/?id={row_id(Exercise, 'hamstring_stretch')}",
                           data=HAMSTRING)
    assert response.status_code == 302
    row = exercise(app)
    assert row.instructions == ["Lie on your back.", "Loop a towel round one foot.",
                                "Straighten the leg."]
    assert row.cautions == ["Stop if the pain spreads down the leg.", "Do not bounce."]
    assert (row.hold_seconds, row.reps, row.sets, row.times_per_day) == (45, 3, 1, 2)
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.entity == "exercise" and entry.before["hold_seconds"] == 30
        assert entry.after["hold_seconds"] == 45


@pytest.mark.parametrize("changes, message", [
    ({"hold_seconds": "601"}, "hold_seconds: Input should be less than or equal to 600"),
    ({"reps": "0"}, "reps: Input should be greater than or equal to 1"),
    ({"instructions": "  \n "}, "instructions: List should have at least 1 item"),
    ({"category": "yoga"}, "Not a valid choice"),
    ({"slug": "Hamstring Stretch"}, "slug: String should match pattern"),
])
def test_a_row_the_schema_refuses_is_not_saved(app, editor, row_id, changes, message):
    response = editor.post(f"/admin/exercise/edit/?id={row_id(Exercise, 'hamstring_stretch')}",
                           data={**HAMSTRING, **changes})
    assert response.status_code == 200
    assert message in text(response)
    assert exercise(app).hold_seconds == 30


def test_an_exercise_a_rule_uses_cannot_be_deleted_or_renamed(app, editor, row_id):
    pk = row_id(Exercise, "hamstring_stretch")
    response = editor.post("/admin/exercise/delete/", data={"id": pk}, follow_redirects=True)
    assert "used by rule(s) routine_hamstring_stretch" in text(response)
    assert exercise(app) is not None
    response = editor.post(f"/admin/exercise/edit/?id={pk}",
                           data={**HAMSTRING, "slug": "hamstrings"})
    assert "'hamstring_stretch' is used by rule(s) routine_hamstring_stretch" in text(response)
    assert exercise(app, "hamstrings") is None


def test_an_unused_exercise_can_be_added_and_deleted_with_audit(app, editor):
    response = editor.post("/admin/exercise/new/", data={
        **HAMSTRING, "name": "Cat-cow", "slug": "cat_cow", "category": "mobility"})
    assert response.status_code == 302
    pk = exercise(app, "cat_cow").id
    assert editor.post("/admin/exercise/delete/", data={"id": pk}).status_code == 302
    assert exercise(app, "cat_cow") is None
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action).where(
            AuditEntry.entity_key == "cat_cow").order_by(AuditEntry.id)).all()
        assert actions == ["create", "delete"]


def test_advice_is_edited_and_checked(app, editor, row_id):
    pk = row_id(Advice, "stay_active")
    good = {"title": "Keep moving", "slug": "stay_active",
            "text": "Carry on with your usual activities.", "display_order": "5"}
    assert editor.post(f"/admin/advice/edit/?id={pk}", data=good).status_code == 302
    response = editor.post(f"/admin/advice/edit/?id={pk}", data={**good, "text": ""})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Advice, pk).text == "Carry on with your usual activities."


def test_a_save_without_changes_is_not_audited(app, editor, row_id):
    pk = row_id(Advice, "stay_active")
    with app.app_context():
        row = db.session.get(Advice, pk)
        same = {"title": row.title, "slug": row.slug, "text": row.text,
                "display_order": str(row.display_order)}
        count = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    assert editor.post(f"/admin/advice/edit/?id={pk}", data=same).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == count
