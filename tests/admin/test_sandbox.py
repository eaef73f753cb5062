"""Try it and What-if: the draft run privately, next to what patients get now."""

from __future__ import annotations

from service.extensions import db
from service.store.models import TriageRecord
from tests.admin.helpers import page_text, save_exercise, save_rule, words
from tests.admin.test_vignettes import answers
from tests.conftest import PUBLIC_VIGNETTES

INTAKES = {v["id"]: v["intake"] for v in PUBLIC_VIGNETTES}


def try_it(client, intake):
    return page_text(client.post("/admin/tryit/", data=answers(intake, "answers-")))


def card(page: str, title: str) -> str:
    return page.split(title)[1].split('class="card mb-3 outcome"')[0]


def test_try_it_shows_the_draft_next_to_what_patients_get(app, editor, viewer):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    page = try_it(viewer, INTAKES["hamstrings"])
    draft = card(page, "The draft would say")
    live = card(page, "Patients are told now (version 1)")
    assert 'data-exercise="hamstring_stretch"' in draft
    assert '<td class="hold">45 s</td>' in draft.split('data-exercise="hamstring_stretch"')[1]
    assert '<td class="hold">30 s</td>' in live.split('data-exercise="hamstring_stretch"')[1]
    assert "routine_hamstring_stretch" in draft  # the rules that fired


def test_try_it_shows_a_referral_and_no_routine(viewer):
    page = try_it(viewer, INTAKES["ces-saddle-bladder"])
    draft = card(page, "The draft would say")
    assert 'data-level="emergency"' in page and "No routine." in draft
    assert "ces_saddle_numbness" in draft and "ces_bladder_bowel_change" in draft


def test_try_it_refuses_invalid_answers_by_name(viewer):
    page = try_it(viewer, {**INTAKES["child"], "age": 300})
    assert "age: must be at most 120" in page and "The draft would say" not in page


def test_try_it_can_start_from_a_vignette(viewer):
    page = page_text(viewer.get("/admin/tryit/?vignette=child"))
    assert 'name="answers-age" value="12"' in page


def test_what_if_counts_whose_level_would_change(app, client, editor, viewer):
    for name in ("child", "hamstrings", "hamstrings", "age-alone"):
        assert client.post("/api/v1/triage", json=INTAKES[name]).status_code == 200
    save_rule(editor, app, "child_under_16", enabled="")  # children no longer referred
    page = page_text(viewer.post("/admin/whatif/", data={"limit": "500"}))
    assert "Replayed 4 stored intake(s): 1 would get a different level" in words(page)
    assert "(0 more urgent, 1 less urgent)" in words(page)
    assert "1 person(s) would be told something less urgent" in words(page)
    with app.app_context():
        child = db.session.scalar(db.select(TriageRecord.reference).where(
            TriageRecord.triage_level == "consultation"))
    row = page.split(child)[1].split("</tr>")[0]
    assert "<td>GP within 2 weeks</td><td>Home care</td>" in row


def test_what_if_replays_only_the_latest(app, client, viewer):
    for _ in range(3):
        client.post("/api/v1/triage", json=INTAKES["age-alone"])
    page = page_text(viewer.post("/admin/whatif/", data={"limit": "2"}))
    assert "Replayed 2 stored intake(s): 0 would get a different level" in words(page)
    assert "must be between 1 and 5000" in page_text(
        viewer.post("/admin/whatif/", data={"limit": "0"}))


def test_try_it_sums_up_what_the_draft_changes_for_this_person(app, editor, viewer):
    assert "the same answer as patients get now" in try_it(viewer, INTAKES["hamstrings"])
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    save_rule(editor, app, "child_under_16", enabled="")
    assert "Hamstring stretch (lying down, with a towel): hold seconds 30 → 45" in try_it(
        viewer, INTAKES["hamstrings"])
    child = try_it(viewer, INTAKES["child"])
    assert "told: GP within 2 weeks → Home care" in child
    assert "rule no longer fires: child_under_16" in child
