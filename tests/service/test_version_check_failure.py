"""The check for a newer ruleset version fails: the loaded version keeps answering.

Two ways to break the check, on SQLite and PostgreSQL (TEST_DATABASE_URL): the version
table made unreachable while the rest of the database works (so outcomes are stored),
and the whole database unreachable (a TCP proxy cut, or the SQLite file's folder gone).
Only when no version was ever loaded does the built-in floor answer.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from service.extensions import db
from service.store.models import RulesetVersion, TriageRecord
from service.triage.assessment import assess
from service.triage.intake import Intake
from tests.service.test_database_outage import outage  # noqa: F401 (a fixture)

SADDLE = {"saddle_numbness": True}
TABLE = RulesetVersion.__tablename__


@pytest.fixture
def version_table_gone(app):
    """Rename the version table away (the check fails), and back when the test ends."""
    def rename(old: str, new: str) -> None:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))

    def cut() -> None:
        rename(TABLE, f"{TABLE}_away")
    yield cut
    with app.app_context(), db.engine.connect() as connection:
        tables = set(db.inspect(connection).get_table_names())
    if f"{TABLE}_away" in tables:
        rename(f"{TABLE}_away", TABLE)


def stored_level(app, reference: str) -> str:
    with app.app_context():
        return db.session.scalar(select(TriageRecord.triage_level)
                                 .where(TriageRecord.reference == reference))


def test_a_failed_check_keeps_the_loaded_version_answering_with_its_full_rules(
        app, client, intake, version_table_gone, caplog):
    assert client.post("/api/v1/triage", json=intake).status_code == 200  # version 1 loaded
    version_table_gone()
    caplog.set_level(logging.INFO)

    body = client.post("/api/v1/triage", json={**intake, **SADDLE}).get_json()
    assert body["triage_level"] == "emergency"
    assert body["ruleset_version"] == 1
    # The published rules' own reasons and wording, not the fail-safe's.
    assert "ces_saddle_numbness" in [r["rule"] for r in body["reasons"]]
    assert not any(r["rule"].startswith(("safety-floor", "assessment-incomplete"))
                   for r in body["reasons"])
    assert stored_level(app, body["id"]) == "emergency"

    routine = client.post("/api/v1/triage", json=intake).get_json()
    assert routine["triage_level"] == "self_care" and routine["routine"] is not None
    assert routine["ruleset_version"] == 1
    assert "still serving version 1" in caplog.text
    assert "saddle" not in caplog.text.lower()  # no health answer in the log


def test_with_no_version_loaded_a_failed_check_gives_the_floor_and_stores_it(
        app, client, intake, version_table_gone, caplog):
    app.extensions["sciatica_ruleset"].close()  # a process that has loaded nothing yet
    version_table_gone()
    caplog.set_level(logging.INFO)

    body = client.post("/api/v1/triage", json={**intake, **SADDLE}).get_json()
    assert body["triage_level"] == "emergency"
    assert body["referral"]["level"] == "emergency"
    assert "emergency department (A&E) now" in body["referral"]["message"]
    assert body["routine"] is None and body["ruleset_version"] is None
    assert [r["rule"] for r in body["reasons"]] == ["safety-floor-saddle-numbness",
                                                    "assessment-incomplete"]
    assert stored_level(app, body["id"]) == "emergency"

    plain = client.post("/api/v1/triage", json=intake).get_json()
    assert (plain["triage_level"], plain["routine"]) == ("consultation", None)
    assert stored_level(app, plain["id"]) == "consultation"
    assert "saddle" not in caplog.text.lower()


def test_the_check_recovers_when_the_version_table_is_back(app, client, intake,
                                                           version_table_gone):
    app.extensions["sciatica_ruleset"].close()
    version_table_gone()
    assert client.post("/api/v1/triage", json=intake).get_json()["ruleset_version"] is None
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {TABLE}_away RENAME TO {TABLE}"))
    body = client.post("/api/v1/triage", json=intake).get_json()
    assert (body["triage_level"], body["ruleset_version"]) == ("self_care", 1)


def test_database_unreachable_the_loaded_version_still_assesses(outage, intake):  # noqa: F811
    app, cut, restore = outage
    client = app.test_client()
    assert client.post("/api/v1/triage", json=intake).status_code == 200  # version 1 loaded
    cut()
    try:
        with app.test_request_context():
            outcome = assess(Intake.model_validate({**intake, **SADDLE}))
    finally:
        restore()
    assert (outcome.triage_level, outcome.ruleset_version) == ("emergency", 1)
    assert "ces_saddle_numbness" in [r.rule for r in outcome.reasons]


def test_database_unreachable_and_nothing_loaded_the_floor_assesses(outage, intake):  # noqa: F811
    app, cut, restore = outage
    app.extensions["sciatica_ruleset"].close()
    cut()
    try:
        with app.test_request_context():
            outcome = assess(Intake.model_validate({**intake, **SADDLE}))
            plain = assess(Intake.model_validate(intake))
    finally:
        restore()
    assert (outcome.triage_level, outcome.ruleset_version) == ("emergency", None)
    assert outcome.reasons[0].rule == "safety-floor-saddle-numbness"
    assert (plain.triage_level, plain.routine) == ("consultation", None)


def test_a_newer_version_that_cannot_be_loaded_leaves_the_loaded_one_answering(
        app, client, intake, caplog):
    assert client.post("/api/v1/triage", json=intake).status_code == 200  # version 1 loaded
    with app.app_context():
        db.session.add(RulesetVersion(version=2, snapshot={"rules": "not a list"},
                                      created_by="test"))
        db.session.commit()
    body = client.post("/api/v1/triage", json={**intake, **SADDLE}).get_json()
    assert (body["triage_level"], body["ruleset_version"]) == ("emergency", 1)
    assert "ces_saddle_numbness" in [r["rule"] for r in body["reasons"]]
    assert "version 2 is published but could not be loaded" in caplog.text
    assert "still serving version 1" in caplog.text
    # It can still triage (INTAKE.md: 200), and whoever watches it is told it is behind.
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {
        "status": "ok", "ruleset_version": 1,
        "warning": "version 2 is published but could not be loaded; still serving version 1"}


def test_healthz_says_when_the_check_for_a_newer_version_fails_and_when_it_recovers(
        app, client, intake, version_table_gone):
    ruleset = app.extensions["sciatica_ruleset"]
    assert client.get("/healthz").get_json() == {"status": "ok", "ruleset_version": 1}
    version_table_gone()
    ruleset.expire()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {
        "status": "ok", "ruleset_version": 1,
        "warning": "could not check for a newer ruleset version; still serving version 1"}
    # Triage still answers, with the version loaded.
    assert client.post("/api/v1/triage", json=intake).get_json()["ruleset_version"] == 1
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {TABLE}_away RENAME TO {TABLE}"))
    ruleset.expire()
    health = client.get("/healthz")
    assert (health.status_code, health.get_json()) == (200, {"status": "ok",
                                                             "ruleset_version": 1})


def test_healthz_with_nothing_loaded_and_the_check_failing_is_unavailable(
        app, client, version_table_gone):
    app.extensions["sciatica_ruleset"].close()
    version_table_gone()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable",
                                 "reason": "could not read the published ruleset version"}


@pytest.mark.parametrize("wrong_answers, level, version", [
    (1, "emergency", 1),  # once: looked again, then the loaded version's full rules
    (2, "emergency", 1),  # every time: the floor, still A&E for saddle numbness
])
def test_an_engine_answering_for_the_wrong_version_is_never_believed(
        app, client, intake, monkeypatch, wrong_answers, level, version):
    import rules.engine

    real = rules.engine.RulesEngine.evaluate
    calls = []

    def confused(self, facts):
        calls.append(1)
        answered, fired = real(self, facts)
        if len(calls) <= wrong_answers:
            return answered + 41, []  # another version's answer: nothing fired there
        return answered, fired

    assert client.post("/api/v1/triage", json=intake).status_code == 200  # version 1 loaded
    monkeypatch.setattr(rules.engine.RulesEngine, "evaluate", confused)
    body = client.post("/api/v1/triage", json={**intake, **SADDLE}).get_json()
    assert (body["triage_level"], body["ruleset_version"]) == (level, version)
    rules_fired = [r["rule"] for r in body["reasons"]]
    if wrong_answers == 1:
        assert "ces_saddle_numbness" in rules_fired
    else:
        assert rules_fired == ["safety-floor-saddle-numbness", "assessment-incomplete"]
    assert stored_level(app, body["id"]) == level


def test_a_fresh_process_that_cannot_load_the_newest_version_gives_the_fail_safe(
        app, client, intake):
    """Why a restart does not cure a version that will not load (README, /healthz): a
    process with nothing loaded has only the fail-safe, and says so."""
    app.extensions["sciatica_ruleset"].close()  # a process that has loaded nothing yet
    with app.app_context():
        db.session.add(RulesetVersion(version=2, snapshot={"rules": "not a list"},
                                      created_by="test"))
        db.session.commit()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable",
                                 "reason": "version 2 is published but could not be loaded"}
    body = client.post("/api/v1/triage", json=intake).get_json()
    assert (body["triage_level"], body["routine"], body["ruleset_version"]) == (
        "consultation", None, None)
