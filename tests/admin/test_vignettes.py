"""Test vignettes are edited as answers and expectations, and must be valid intakes."""

from __future__ import annotations

import re

import pytest

from service.extensions import db
from service.store.models import AuditEntry, Vignette
from tests.admin.helpers import page_text
from tests.conftest import PUBLIC_VIGNETTES

CHILD = next(v for v in PUBLIC_VIGNETTES if v["id"] == "child")


def answers(intake: dict, prefix: str = "intake-") -> dict:
    """An intake as the vignette form posts it."""
    data = {}
    for key, value in intake.items():
        if isinstance(value, dict):
            data.update(answers(value, f"{prefix}{key}-"))
        elif isinstance(value, bool):
            data[prefix + key] = "true" if value else "false"
        elif value is not None:
            data[prefix + key] = str(value)
    return data


def vignette_form(intake: dict, **changes) -> dict:
    form = {"slug": "child", "note": "Children need a doctor.",
            "expect-levels": ["consultation", "consultation_24"], "expect-routine": "",
            **answers(intake)}
    return {**form, **changes}


def stored(app, slug="child") -> Vignette:
    with app.app_context():
        return db.session.scalar(db.select(Vignette).where(Vignette.slug == slug))


def test_the_form_shows_the_answers_and_the_expectation(app, editor, row_id):
    page = page_text(editor.get(f"/admin/vignette/edit/?id={row_id(Vignette, 'child')}"))
    assert 'name="intake-age" value="12"' in page
    assert "How old are you?" in page  # the questionnaire's own words
    assert re.search(r'<input checked[^>]*name="expect-levels" type="checkbox" '
                     r'value="consultation">', page)
    assert not re.search(r'<input checked[^>]*value="emergency">', page)
    assert 'name="intake-start_back-q9"' in page


def test_an_edited_vignette_is_stored_and_audited(app, editor, row_id):
    intake = {**CHILD["intake"], "age": 14}
    response = editor.post(f"/admin/vignette/edit/?id={row_id(Vignette, 'child')}",
                           data=vignette_form(intake, **{"expect-routine": "no"}))
    assert response.status_code == 302
    row = stored(app)
    assert row.intake["age"] == 14 and row.intake["fever"] is False
    assert row.expect == {"levels": ["consultation", "consultation_24"], "routine": False}
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.entity, entry.before["intake"]["age"], entry.after["intake"]["age"]) == (
            "vignette", 12, 14)


@pytest.mark.parametrize("changes, message", [
    ({"intake-age": "130"}, "age: must be at most 120"),
    ({"intake-age": "twelve"}, "age: must be a whole number"),
    ({"intake-fever": ""}, "fever: required"),
    ({"intake-leg_pain": "sideways"}, "leg_pain: must be one of"),
    ({"intake-start_back-q9": "very_much"}, "start_back.q1: required"),
    ({"expect-levels": []}, "choose at least one acceptable level"),
    ({"slug": "Child Case"}, "lower-case letters, digits, - and _ only"),
])
def test_invalid_answers_or_expectations_are_refused(app, editor, row_id, changes, message):
    response = editor.post(f"/admin/vignette/edit/?id={row_id(Vignette, 'child')}",
                           data=vignette_form(CHILD["intake"], **changes))
    assert response.status_code == 200
    assert message in page_text(response)
    assert stored(app).intake == CHILD["intake"]


def test_a_new_vignette_starts_from_a_person_without_red_flags(editor):
    page = page_text(editor.get("/admin/vignette/new/"))
    assert 'name="intake-age" value="40"' in page


def test_a_new_vignette_joins_the_gate(app, editor, publisher):
    intake = {**CHILD["intake"], "age": 8}
    response = editor.post("/admin/vignette/new/", data=vignette_form(
        intake, slug="young-child", **{"expect-levels": ["emergency"]}))
    assert response.status_code == 302
    page = page_text(publisher.post("/admin/publish/check/"))
    assert 'data-vignette="young-child"' in page
    assert "told “GP within 2 weeks”, expected “A&E now”" in page
