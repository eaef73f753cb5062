"""Publishing through the gate, the version history and its diff, and restoring."""

from __future__ import annotations

import json

from service.extensions import db
from service.followup.vignettes import checkin_vignettes_file
from service.store.models import AuditEntry, Exercise, RulesetVersion, Vignette
from tests.admin.gate_flow import publish_via_page, restore_via_page
from tests.admin.helpers import page_text, save_exercise, save_rule, versions, words
from tests.conftest import PUBLIC_VIGNETTES

HAMSTRINGS = next(v["intake"] for v in PUBLIC_VIGNETTES if v["id"] == "hamstrings")


def hamstring_dose(client) -> tuple[int, int]:
    """(ruleset version, hold seconds) the API gives a person with tight hamstrings."""
    outcome = client.post("/api/v1/triage", json=HAMSTRINGS).json
    stretch = next(e for e in outcome["routine"]["exercises"] if e["slug"] == "hamstring_stretch")
    return outcome["ruleset_version"], stretch["hold_seconds"]


def publish(client, note="a note"):
    """Publish through the rendered forms: the note, then the confirmation."""
    return publish_via_page(client, note)


def test_weakening_the_cauda_equina_rules_is_blocked_and_explained(app, editor, publisher):
    for slug in ("ces_saddle_numbness", "ces_bladder_bowel_change"):
        assert save_rule(editor, app, slug, enabled="").status_code == 302
    response = publish(publisher, "switch off the CES rules")
    assert response.status_code == 409
    page = page_text(response)
    assert "Not published: the draft failed the safety checks" in page
    assert "Patients still get the current version" in page
    row = page.split('data-vignette="ces-saddle-bladder"')[1].split("</tr>")[0]
    assert "A&E now or Call 999" in row  # expected
    assert "GP today" in row  # got
    assert "Possible early cauda equina: symptoms in both legs" in row  # fired
    assert "told “GP today”, expected “A&E now” or “Call 999”" in row
    assert versions(app) == [1]
    assert publisher.get("/healthz").json["ruleset_version"] == 1


def test_lowering_a_red_flag_level_is_blocked_too(app, editor, publisher):
    for slug in ("ces_saddle_numbness", "ces_bladder_bowel_change"):
        save_rule(editor, app, slug, **{"action-level": "consultation"})
    page = page_text(publish(publisher))
    assert 'data-vignette="ces-saddle-bladder"' in page and "table-danger" in page
    assert versions(app) == [1]


def test_a_harmless_edit_publishes_and_the_api_answers_with_it(app, client, editor, publisher):
    assert hamstring_dose(client) == (1, 30)
    assert save_exercise(editor, app, "hamstring_stretch", hold_seconds="45").status_code == 302
    assert hamstring_dose(client) == (1, 30)  # a draft is not live
    response = publish(publisher, "hold the hamstring stretch for 45 s")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/rulesetversion/"
    assert versions(app) == [1, 2]
    assert hamstring_dose(client) == (2, 45)
    with app.app_context():
        row = db.session.scalar(db.select(RulesetVersion).where(RulesetVersion.version == 2))
        assert (row.created_by, row.note) == ("publisher@example.org",
                                              "hold the hamstring stretch for 45 s")


def test_the_static_checks_block_a_publish(app, editor, publisher):
    conditions = {"all": [{"field": "fever", "op": "==", "value": True}]}
    response = editor.post("/admin/rule/new/", data={
        "name": "Fever: emergency", "slug": "fever_emergency", "enabled": "y",
        "conditions": json.dumps(conditions), "action-type": "refer",
        "action-level": "emergency", "action-message": "Go to A&E.", "reason": "Fever."})
    assert response.status_code == 302
    page = page_text(publish(publisher))
    problem = next(line for line in page.splitlines() if "have the same conditions" in line)
    assert "'fever_with_back_pain' (consultation)" in problem
    assert "'fever_emergency' (emergency)" in problem
    assert versions(app) == [1]


def test_checking_the_draft_publishes_nothing(app, viewer):
    page = page_text(viewer.post("/admin/publish/check/"))
    assert "Safe to publish" in page
    every = len(PUBLIC_VIGNETTES) + len(checkin_vignettes_file())  # intake and check-in
    assert page.count('class="table-success"') == every
    assert versions(app) == [1]


def test_only_publishers_see_the_publish_form(viewer, publisher):
    assert "Publish the draft" not in page_text(viewer.get("/admin/publish/"))
    assert "Only someone with the publisher role can publish" in page_text(
        viewer.get("/admin/publish/"))
    assert "Publish the draft" in page_text(publisher.get("/admin/publish/"))


def test_the_publish_button_says_when_publishing_would_be_refused(app, editor, publisher):
    page = page_text(publisher.get("/admin/publish/"))
    assert "Safe to publish" in page and "Publishing would be refused" not in page
    save_rule(editor, app, "ces_saddle_numbness", enabled="")
    response = publisher.get("/admin/publish/")
    page = words(page_text(response))
    assert "Publishing would be refused now: 2 test vignette(s) fail" in page
    assert "need a clinical safety officer's approval of this exact draft" in page
    assert 'class="btn btn-primary">Publish the draft' not in response.text
    # The button still works: pressing it is refused and audited, not hidden.
    assert publish(publisher).status_code == 409
    assert versions(app) == [1]


def test_the_publish_page_shows_what_the_draft_changes(app, editor):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    page = page_text(editor.get("/admin/publish/"))
    assert "hamstring_stretch" in page and "hold_seconds" in page
    assert '<td class="pre">30</td><td class="pre">45</td>' in page


def test_a_diff_between_any_two_versions(app, editor, publisher, viewer):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    # Upgrading a rule needs no safety officer: nobody is told something less urgent (and
    # this one leaves no other rule redundant, as raising upper back pain would).
    save_rule(editor, app, "weight_loss_age_50_plus", **{"action-level": "consultation_24"})
    assert publish(publisher).status_code == 302
    page = page_text(viewer.get("/admin/rulesetversion/diff/?a=1&b=2"))
    assert "Changes from version 1 to version 2" in page
    assert '<th>hold_seconds</th><td class="pre">30</td><td class="pre">45</td>' in page
    assert "Refer: GP within 2 weeks" in page and "Refer: GP today" in page
    backwards = page_text(viewer.get("/admin/rulesetversion/diff/?a=2&b=1"))
    assert '<th>hold_seconds</th><td class="pre">45</td><td class="pre">30</td>' in backwards
    assert viewer.get("/admin/rulesetversion/diff/?b=9").status_code == 404


def test_restore_publishes_a_copy_resets_the_draft_and_audits(app, client, editor, publisher):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    publish(publisher)
    assert hamstring_dose(client) == (2, 45)
    response = restore_via_page(publisher, 1)
    assert response.status_code == 302
    assert versions(app) == [1, 2, 3]
    assert hamstring_dose(client) == (3, 30)
    with app.app_context():
        assert db.session.scalar(db.select(RulesetVersion.restored_from)
                                 .where(RulesetVersion.version == 3)) == 1
        draft = db.session.scalar(db.select(Exercise).where(Exercise.slug == "hamstring_stretch"))
        assert draft.hold_seconds == 30  # the next publish cannot bring 45 back
        entries = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.actor == "publisher@example.org").order_by(AuditEntry.id)).all()
        assert [(e.action, e.entity, e.entity_key) for e in entries][-2:] == [
            ("restore", "ruleset_version", "3"), ("update", "exercise", "hamstring_stretch")]
        assert (entries[-1].before["hold_seconds"], entries[-1].after["hold_seconds"]) == (45, 30)
    page = page_text(publisher.get("/admin/publish/"))
    assert "The draft is the same as the live version" in page


def test_restore_goes_through_the_gate(app, editor, publisher):
    save_exercise(editor, app, "hamstring_stretch", hold_seconds="45")
    publish(publisher)
    with app.app_context():
        db.session.add(Vignette(slug="impossible", intake=HAMSTRINGS,
                                expect={"levels": ["emergency"]}))
        db.session.commit()
    response = restore_via_page(publisher, 1)
    assert response.status_code == 409
    page = page_text(response)
    assert "Version 1 was not restored" in page and 'data-vignette="impossible"' in page
    assert versions(app) == [1, 2]


def test_restoring_a_version_that_does_not_exist(publisher):
    assert publisher.post("/admin/rulesetversion/restore/", data={"version": "7"}
                          ).status_code == 404
