"""The follow-up in the clinician panel: course rules, exercise progression, the gate."""

from __future__ import annotations

import json

import pytest

from service.extensions import db
from service.triage.knowledge import draft_knowledge_base
from tests.admin.helpers import page_text, save_exercise, save_rule, versions, words
from tests.admin.test_library import exercise
from tests.admin.test_vignettes import answers
from tests.service.followup_helpers import START, week
from tests.service.test_followup_pages import api_checkin, start_course


def test_the_exercise_form_has_the_progression_fields(app, editor, row_id):
    from service.store.models import Exercise

    page = page_text(editor.get(f"/admin/exercise/edit/?id={row_id(Exercise, 'bird_dog')}"))
    for name in ("unlock_week", "hold_seconds_step", "hold_seconds_max", "reps_step",
                 "reps_max", "sets_step", "sets_max"):
        assert f'name="{name}"' in page, name
    assert "Follow-up: joins the plan from week" in page


def test_a_progression_step_is_saved_and_reaches_the_draft(app, editor):
    response = save_exercise(editor, app, "glute_bridge", sets_step="1", sets_max="2")
    assert response.status_code == 302
    assert (exercise(app, "glute_bridge").sets_step, exercise(app, "glute_bridge").sets_max) \
        == (1, 2)
    with app.app_context():
        bridge = next(e for e in draft_knowledge_base().exercises if e.slug == "glute_bridge")
        assert (bridge.sets_step, bridge.sets_max, bridge.reps_max) == (1, 2, 15)


@pytest.mark.parametrize("changes, words", [
    ({"reps_step": "2", "reps_max": ""}, "reps_step needs both reps and reps_max"),
    ({"reps_max": "5"}, "reps_max (5) is below reps (10)"),
])
def test_a_step_without_a_ceiling_is_refused(app, editor, changes, words):
    response = save_exercise(editor, app, "pelvic_tilt", **changes)
    assert response.status_code == 200
    assert words in page_text(response)
    assert exercise(app, "pelvic_tilt").reps_max == 15  # nothing saved


def test_a_course_rule_reads_check_in_facts_and_unknown_ones_are_refused(app, editor):
    conditions = {"all": [{"field": "worse_by_2_streak", "op": ">=", "value": 3}]}
    ok = save_rule(editor, app, "course_pain_worse_twice", conditions=json.dumps(conditions))
    assert ok.status_code == 302
    wrong = {"all": [{"field": "worse_streak", "op": ">=", "value": 3}]}
    refused = save_rule(editor, app, "course_pain_worse_twice", conditions=json.dumps(wrong))
    assert refused.status_code == 200
    assert "unknown field 'worse_streak'" in page_text(refused)


def test_the_rule_editor_offers_the_check_in_facts_in_their_own_section(viewer):
    document = viewer.get("/admin/rule/vocabulary.json").json
    fields = {f["name"]: f for f in document["fields"]}
    assert fields["worse_by_2_streak"]["section"] == "course"
    assert fields["peripheralised"]["kind"] == "boolean"
    assert "course" in document["sections"]


def test_weakening_a_course_rule_fails_its_check_in_vignette(app, editor, publisher):
    assert save_rule(editor, app, "course_pain_worse_twice", enabled="").status_code == 302
    response = publisher.post("/admin/publish/publish/", data={"note": "no worse rule"})
    assert response.status_code == 409
    row = page_text(response).split('data-vignette="course-pain-worse-twice"')[1]
    assert "level self_care, expected one of consultation, consultation_24" in \
        row.split("</tr>")[0]
    assert versions(app) == [1]


def test_a_vignette_row_keeps_its_check_ins(app):
    from service.store.models import Vignette

    with app.app_context():
        rows = db.session.scalars(db.select(Vignette).where(Vignette.checkins.is_not(None)))
        slugs = {v.slug for v in rows}
    assert "course-saddle-numbness-week-3" in slugs and "ces-saddle-bladder" not in slugs


def test_try_a_course_shows_each_week_from_the_draft_beside_the_live_rules(app, editor, viewer):
    page = page_text(viewer.get("/admin/trycourse/?vignette=course-pain-worse-twice"))
    assert '"pain_now": 8' in page
    save_rule(editor, app, "course_pain_worse_twice", enabled="")
    data = answers(START, "answers-") | {"checkins": json.dumps(
        [{"pain_now": 8, "walking_minutes": 10}, {"pain_now": 8, "walking_minutes": 10}])}
    page = page_text(viewer.post("/admin/trycourse/", data=data))
    week2 = page.split('data-week="2"')[1].split("</tr>")[0]
    draft, live = week2.split("<td")[1:3]
    assert "self_care" in draft and "consultation" in live
    assert "course_pain_worse_twice" in live and "table-warning" in page.split(
        'data-week="2"')[0][-40:]


def test_try_a_course_refuses_a_check_in_that_is_not_valid(viewer):
    data = answers(START, "answers-") | {"checkins": json.dumps([{"pain_now": 12,
                                                                 "walking_minutes": 10}])}
    page = page_text(viewer.post("/admin/trycourse/", data=data))
    assert "pain_now: must be at most 10" in page
    assert "not valid JSON" in page_text(viewer.post("/admin/trycourse/", data=data | {
        "checkins": "[{"}))


def test_what_if_replays_stored_check_ins_from_where_each_course_stood(app, client, editor,
                                                                      viewer):
    reference, token = start_course(client)
    for pain in (8, 8):
        assert api_checkin(client, reference, token, week(pain, 10)).status_code == 200
    save_rule(editor, app, "course_pain_worse_twice", enabled="")
    page = page_text(viewer.post("/admin/whatif/", data={"limit": "500"}))
    text = words(page)
    assert "Replayed 2 stored check-in(s), each from where its course stood: 1 would get " \
           "a different level (0 more urgent, 1 less urgent)" in text
    row = page.split(f"{reference} week 2")[1].split("</tr>")[0]
    assert "<td>consultation</td><td>self_care</td>" in row


def test_editing_a_check_in_vignette_in_the_panel_keeps_its_check_ins_and_expectation(
        app, editor, row_id):
    from service.followup.vignettes import checkin_vignettes_file
    from service.store.models import Vignette
    from tests.admin.test_vignettes import stored

    shipped = next(v for v in checkin_vignettes_file()
                   if v["id"] == "course-improving-three-weeks")
    form = {"slug": shipped["id"], "note": "edited", "expect-levels": ["self_care"],
            "expect-routine": "yes", "expect-exercises_include": ["bird_dog"],
            "expect-last_week_min": "25", **answers(shipped["intake"])}
    pk = row_id(Vignette, shipped["id"])
    assert editor.post(f"/admin/vignette/edit/?id={pk}", data=form).status_code == 302
    row = stored(app, shipped["id"])
    assert row.note == "edited" and row.checkins == shipped["checkins"]
    assert row.expect == shipped["expect"]
