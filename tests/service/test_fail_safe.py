"""Fail safe: whatever goes wrong while evaluating, the patient is told to see a doctor."""

import logging

import pytest
from sqlalchemy import delete, select

import rules.engine
import service.triage.outcome
from rules import EngineError
from service.extensions import db
from service.store.models import RulesetVersion, TriageRecord
from service.triage.intake import Intake
from tests.service.test_safety_floor import BASELINE, STRONG

RED_FLAG = {"saddle_numbness": True, "bladder_bowel_change": True}


def assert_fail_safe(body, level="consultation"):
    assert body["triage_level"] == level
    assert body["routine"] is None
    assert body["referral"]["level"] == level
    assert "could not complete your assessment" in body["referral"]["message"]
    assert body["reasons"][-1]["rule"] == "assessment-incomplete"
    if level == "consultation":
        # Even the lowest fallback tells someone with cauda equina signs to go now.
        assert "emergency department now" in body["referral"]["message"]
        assert [r["rule"] for r in body["reasons"]] == ["assessment-incomplete"]
    else:
        assert "2 weeks" not in body["referral"]["message"]


@pytest.mark.parametrize("failure", [
    EngineError("durable_rules failed: error code 303"),
    RuntimeError("segfault averted"),
    MemoryError(),
])
def test_engine_failure_refers_to_a_doctor(app, client, intake, monkeypatch, failure):
    def broken(self, facts):
        raise failure

    monkeypatch.setattr(rules.engine.RulesEngine, "evaluate", broken)
    response = client.post("/api/v1/triage", json=intake)
    assert response.status_code == 200
    assert_fail_safe(response.get_json())
    # Cauda equina signs are never downgraded by a failure: A&E now, as the rules say.
    response = client.post("/api/v1/triage", json={**intake, **RED_FLAG})
    assert response.status_code == 200
    body = response.get_json()
    assert_fail_safe(body, "emergency")
    assert "emergency department (A&E) now" in body["referral"]["message"]
    assert [r["rule"] for r in body["reasons"]] == [
        "safety-floor-saddle-numbness", "safety-floor-bladder-bowel-change",
        "assessment-incomplete"]


def test_with_the_engine_broken_each_strong_flag_alone_gets_its_floor(
        app, client, intake, monkeypatch, caplog):
    """Through the API and into the database, each strong flag the intake can carry."""
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(rules.engine.RulesEngine, "evaluate",
                        lambda self, facts: (_ for _ in ()).throw(EngineError("down")))
    cases = [(changes, level) for changes, level in STRONG
             if set(changes) <= set(Intake.model_fields)]
    assert len(cases) >= 25
    for changes, level in cases:
        body = client.post("/api/v1/triage", json={**BASELINE, **changes}).get_json()
        assert (changes, body["triage_level"]) == (changes, level)
        assert_fail_safe(body, level)
        with app.app_context():
            stored = db.session.scalar(select(TriageRecord.triage_level)
                                       .where(TriageRecord.reference == body["id"]))
        assert stored == level
    assert "fail-safe" in caplog.text  # each is logged, by reference only:
    assert not any(name in caplog.text for name in ("saddle", "bladder", "cancer", "fever"))


def test_the_fail_safe_outcome_is_stored_like_any_other(app, client, intake, monkeypatch):
    monkeypatch.setattr(rules.engine.RulesEngine, "evaluate",
                        lambda self, facts: (_ for _ in ()).throw(EngineError("down")))
    for answers, level in ((intake, "consultation"), ({**intake, **RED_FLAG}, "emergency")):
        body = client.post("/api/v1/triage", json=answers).get_json()
        with app.app_context():
            record = db.session.scalar(select(TriageRecord)
                                       .where(TriageRecord.reference == body["id"]))
            assert record.triage_level == level
            assert record.outcome["triage_level"] == level
            assert record.outcome["routine"] is None


def test_a_failure_while_assembling_the_routine_refers_to_a_doctor(client, intake, monkeypatch):
    def broken(*args):
        raise KeyError("piriformis_stretch")

    monkeypatch.setattr(service.triage.outcome.Assembler, "_routine", broken)
    assert_fail_safe(client.post("/api/v1/triage", json=intake).get_json())


def test_no_published_ruleset_refers_to_a_doctor(app, client, intake):
    with app.app_context():
        db.session.execute(delete(RulesetVersion))
        db.session.commit()
        app.extensions["sciatica_ruleset"].close()
    body = client.post("/api/v1/triage", json=intake).get_json()
    assert_fail_safe(body)
    assert body["ruleset_version"] is None
    assert client.get("/healthz").status_code == 503
    assert_fail_safe(client.post("/api/v1/triage", json={**intake, **RED_FLAG}).get_json(),
                     "emergency")


def test_a_library_missing_what_every_routine_needs_refers_to_a_doctor(app, client, intake):
    """A published version whose library lost `stop_signs` cannot give a safe routine."""
    with app.app_context():
        row = db.session.scalar(select(RulesetVersion))
        snapshot = dict(row.snapshot)
        snapshot["advice"] = [a for a in snapshot["advice"] if a["slug"] != "stop_signs"]
        snapshot["rules"] = [r for r in snapshot["rules"]
                             if r["action"].get("advice") != "stop_signs"]
        db.session.add(RulesetVersion(version=2, snapshot=snapshot, created_by="test"))
        db.session.commit()
    assert_fail_safe(client.post("/api/v1/triage", json=intake).get_json())


def test_the_ordinary_path_is_not_the_fail_safe(client, intake):
    """Guards the tests above: without a fault, a flag-free intake gets a routine."""
    body = client.post("/api/v1/triage", json=intake).get_json()
    assert body["triage_level"] == "self_care"
    assert body["routine"] is not None


def test_an_unexpected_page_error_still_gives_the_urgent_advice(app, client, monkeypatch):
    import service.patient.step_view

    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(service.patient.step_view, "render_template", broken)
    response = client.get("/")
    assert response.status_code == 500
    words = " ".join(response.get_data(as_text=True).split())
    assert "Go to an emergency department (A&amp;E) now" in words


def test_the_web_form_with_the_engine_broken_sends_saddle_numbness_to_a_and_e(
        app, intake, monkeypatch):
    from service.patient.web_form import form_answers
    from tests.service.test_pages import post_form

    app.config["WTF_CSRF_ENABLED"] = True
    monkeypatch.setattr(rules.engine.RulesEngine, "evaluate",
                        lambda self, facts: (_ for _ in ()).throw(EngineError("down")))
    response = post_form(app.test_client(), form_answers({**intake, "saddle_numbness": True}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    words = " ".join(html.split())
    assert 'data-triage-level="emergency"' in html
    assert "Go to an emergency department (A&amp;E) now" in words
    assert "data-exercise" not in html and "2 weeks" not in words
