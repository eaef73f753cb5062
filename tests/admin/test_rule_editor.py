"""The structured rule editor: the server refuses a rule it could not run, and says why."""

from __future__ import annotations

import json

import pytest

from service.extensions import db
from service.store.models import AuditEntry, Rule
from service.triage.intake import VOCABULARY
from tests.admin.helpers import page_text, rule_form
from tests.admin.helpers import save_rule as save


def leaf(field, op, value):
    return {"field": field, "op": op, "value": value}


def stored(app, slug: str) -> Rule:
    with app.app_context():
        return db.session.scalar(db.select(Rule).where(Rule.slug == slug))


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(AuditEntry.id)))


def test_a_sound_change_is_saved_stamped_and_audited(app, editor):
    response = save(editor, app, "ces_saddle_numbness",
                    **{"action-message": "Go to A&E now. Do not drive yourself."})
    assert response.status_code == 302
    rule = stored(app, "ces_saddle_numbness")
    assert rule.action == {"type": "refer", "level": "emergency",
                           "message": "Go to A&E now. Do not drive yourself.",
                           "withhold_routine": False}
    assert rule.updated_by == "editor@example.org"
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.actor, entry.action, entry.entity, entry.entity_key) == (
            "editor@example.org", "update", "rule", "ces_saddle_numbness")
        assert entry.before["action"]["message"].startswith("Go to the nearest emergency")
        assert entry.after["action"]["message"] == "Go to A&E now. Do not drive yourself."


@pytest.mark.parametrize("conditions, message", [
    ({"all": [leaf("saddle_numbnes", "==", True)]}, "unknown field 'saddle_numbnes'"),
    ({"all": [leaf("age", ">=", 200)]}, "field 'age': value 200 must be at most 120"),
    ({"all": [leaf("leg_pain", "==", "sideways")]}, "field 'leg_pain': value 'sideways' must"),
    ({"all": [leaf("fever", "<", True)]}, "field 'fever' cannot use '<'"),
    ({"all": [leaf("fever", "==", "yes")]}, "field 'fever': value 'yes' must be true or false"),
    ({"all": [leaf("leg_pain", "in", [])]}, "'in' needs a non-empty list"),
    ({"any": []}, "an 'any' group needs at least one condition"),
    ({"all": [leaf("age", "<", 10), leaf("age", ">", 20)]},
     "can never fire: age < 10 and age > 20 cannot both be true at once"),
    ({"all": [{"field": "age", "op": "=~", "value": 1}]}, "conditions"),
    ("not json", "the conditions could not be read"),
])
def test_a_rule_that_cannot_run_is_refused_with_the_reason(app, editor, conditions, message):
    before = stored(app, "ces_saddle_numbness").conditions
    entries = audit_count(app)
    raw = conditions if isinstance(conditions, str) else json.dumps(conditions)
    response = save(editor, app, "ces_saddle_numbness", conditions=raw)
    assert response.status_code == 200  # the form again, with the reason
    assert message in page_text(response)
    assert stored(app, "ces_saddle_numbness").conditions == before
    assert audit_count(app) == entries


def test_a_disabled_draft_rule_may_be_unfinished_but_not_invalid(app, editor):
    never = json.dumps({"all": [leaf("age", "<", 10), leaf("age", ">", 20)]})
    assert save(editor, app, "thoracic_pain", conditions=never, enabled="").status_code == 302
    invalid = json.dumps({"all": [leaf("age", "<", 500)]})
    response = save(editor, app, "thoracic_pain", conditions=invalid, enabled="")
    assert "must be at most 120" in page_text(response)


@pytest.mark.parametrize("changes, message", [
    ({"action-message": "   "}, "write what the patient should do"),
    ({"action-type": "include_exercise", "action-exercise": ""}, "choose the exercise"),
    ({"action-type": "include_exercise", "action-exercise": "handstand"}, "choose the exercise"),
    ({"action-type": "add_advice", "action-advice": ""}, "choose the advice"),
    ({"action-level": "self_care"}, "choose the urgency"),
    ({"action-type": "include_exercise", "action-exercise": "walking",
      "action-hold_seconds": "601"}, "Number must be between 1 and 600"),
])
def test_an_action_without_what_it_needs_is_refused(app, editor, changes, message):
    response = save(editor, app, "thoracic_pain", **changes)
    assert response.status_code == 200
    assert message in page_text(response)
    assert stored(app, "thoracic_pain").action["type"] == "refer"


def test_a_new_rule_with_nested_groups_a_list_and_a_dose(app, editor):
    conditions = {"all": [leaf("hamstring_tightness", "==", True),
                          {"any": [leaf("age", ">=", 65),
                                   leaf("leg_pain", "in", ["above_knee", "below_knee"])]}]}
    response = editor.post("/admin/rule/new/", data={
        "name": "Older people with tight hamstrings: a longer hold",
        "slug": "hamstring_hold_older", "enabled": "y", "conditions": json.dumps(conditions),
        "action-type": "include_exercise", "action-exercise": "hamstring_stretch",
        "action-hold_seconds": "60", "action-level": "consultation",
        "action-message": "ignored for this kind of action",
        "reason": "Older muscles respond better to a longer stretch.", "display_order": "99"})
    assert response.status_code == 302
    rule = stored(app, "hamstring_hold_older")
    assert rule.conditions == conditions
    assert rule.action == {"type": "include_exercise", "exercise": "hamstring_stretch",
                           "dose": {"hold_seconds": 60}}
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(
            AuditEntry.entity_key == "hamstring_hold_older"))
        assert entry.action == "create" and entry.before is None


def test_the_editor_page_loads_the_script_and_no_inline_code(editor, app):
    pk, _ = rule_form(app, "ces_saddle_numbness")
    page = editor.get(f"/admin/rule/edit/?id={pk}").get_data(as_text=True)
    assert "/admin/assets/rule_editor.js" in page
    assert 'data-vocabulary-url="/admin/rule/vocabulary.json"' in page
    assert "onclick=" not in page.split("<form")[1]  # our form: no inline handlers


def test_the_vocabulary_is_the_intake_model_s_own(viewer):
    fields = {f["name"]: f for f in viewer.get("/admin/rule/vocabulary.json").json["fields"]}
    assert fields.keys() == VOCABULARY.keys()
    for name, spec in VOCABULARY.items():
        assert fields[name]["kind"] == spec.kind
        assert fields[name]["operators"] == list(spec.operators)
        assert [c["value"] for c in fields[name]["choices"]] == list(spec.choices)
        assert (fields[name]["minimum"], fields[name]["maximum"]) == (spec.minimum, spec.maximum)
    assert fields["saddle_numbness"]["label"].startswith("Do you have numbness")
    assert {"value": "both_legs", "label": "Yes, I have symptoms in both legs"} in \
        fields["leg_pain"]["choices"]


def test_the_list_reads_as_words(viewer):
    page = viewer.get("/admin/rule/").get_data(as_text=True)
    assert "saddle numbness is yes" in page
    assert 'Refer: <span class="level level-emergency">A&amp;E now</span>' in page
