"""Logs hold no health data: a run full of failures, then the log is searched for every
answer sent. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import text

from service.extensions import db
from service.patient.web_form import form_answers
from service.triage.intake import Intake

# Distinctive answers: none of these numbers or words appears in a log for another reason.
ANSWERS = {
    "age": 87, "sex": "other", "days_since_onset": 4321, "pain_score": 9,
    "leg_pain": "below_knee", "leg_weakness": "worsening", "saddle_numbness": True,
    "bladder_bowel_change": False, "sexual_dysfunction": True, "fever": True,
    "iv_drug_use": True, "immunosuppressed": False, "recent_infection": True,
    "cancer_history": True, "cancer_years_ago": 37, "unexplained_weight_loss": True,
    "night_pain": True, "thoracic_pain": False, "major_trauma": False, "minor_trauma": True,
    "osteoporosis": True, "long_term_steroids": False, "walking_minutes": 517,
}


def refuse_every_insert(app) -> None:
    """Make the database refuse new triage records, as a real constraint would."""
    with app.app_context(), db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            # PostgreSQL's DETAIL then quotes the whole failing row.
            connection.execute(text("ALTER TABLE triagerecord ADD CONSTRAINT refuse_all "
                                    "CHECK (ruleset_version < 0) NOT VALID"))
        else:
            connection.execute(text("CREATE TRIGGER refuse_all BEFORE INSERT ON triagerecord "
                                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"))


def health_data_in(log: str, references: list[str]) -> list[str]:
    """Every answer found in `log`, in any form an error would quote it: a JSON key, a
    key=value or key: value pair (pydantic, repr), or PostgreSQL's failing row."""
    found = [f'"{name}"' for name in ANSWERS if f'"{name}"' in log]
    for name, value in ANSWERS.items():
        shown = json.dumps(value).strip('"')
        if re.search(rf"{name}['\"]?\s*[:=]\s*['\"]?{re.escape(shown)}", log, re.I):
            found.append(f"{name}={shown}")
    found += [v for v in ("below_knee", "worsening") if v in log]  # answers in any form
    found += ["Failing row"] if "Failing row" in log else []
    return found + [r for r in references if r in log and found]


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_failed_inserts_log_no_answers(app, log, monkeypatch):

    client = app.test_client()
    ok = client.post("/api/v1/triage", json=ANSWERS)
    assert ok.status_code == 200
    reference = ok.get_json()["id"]

    # 1. A duplicate reference: the batch fails on a row, each row is retried alone.
    monkeypatch.setattr("service.triage.assessment.new_reference", lambda: reference)
    duplicate = client.post("/api/v1/triage", json=ANSWERS)
    monkeypatch.undo()

    # 2. Every insert refused by the database (a CHECK on PostgreSQL, a trigger on SQLite).
    refuse_every_insert(app)
    api = client.post("/api/v1/triage", json=ANSWERS)
    app.config["WTF_CSRF_ENABLED"] = False
    form = client.post("/", data=form_answers(ANSWERS))
    assert api.status_code == 503 and form.status_code == 503

    logged = log.text
    assert "database unavailable" in logged or "not stored" in logged  # failures were logged
    assert health_data_in(logged, [reference]) == []
    assert duplicate.status_code in (200, 503)


def test_a_failed_assessment_logs_no_answers(app, log, monkeypatch):
    from service.triage.ruleset import LoadedVersion

    def broken(self, intake, reference):
        # A validation error deep in assessment: pydantic's text quotes its input. (The
        # traceback shows this line, so it names no field itself.)
        Intake.model_validate(spoilt(intake))

    monkeypatch.setattr(LoadedVersion, "assess", broken)
    response = app.test_client().post("/api/v1/triage", json=ANSWERS)
    assert response.status_code == 200
    assert response.get_json()["triage_level"] != "self_care"  # the fail-safe referral
    assert "failed" in log.text
    assert health_data_in(log.text, [response.get_json()["id"]]) == []


def spoilt(intake: Intake) -> dict:
    """The answers without one required field: pydantic then quotes them all."""
    return {k: v for k, v in intake.model_dump().items() if k != "fever"}


def test_an_engine_error_message_carries_no_parameters(app):
    from sqlalchemy.exc import StatementError

    with app.app_context():
        try:
            db.session.execute(text("SELECT * FROM no_such_table WHERE x = :x"),
                               {"x": json.dumps(ANSWERS)})
        except StatementError as error:
            message = str(error)
        db.session.rollback()
    assert "4321" not in message and "below_knee" not in message and "hidden" in message


def test_the_delete_command_logs_no_answers(app, runner, log):
    client = app.test_client()
    reference = client.post("/api/v1/triage", json=ANSWERS).get_json()["id"]
    result = runner.invoke(args=["delete", reference])
    assert result.exit_code == 0
    assert health_data_in(log.text + result.output, []) == []


def test_an_engine_error_keeps_its_code_and_drops_the_fact(app, log, monkeypatch):
    from rules.engine import EngineError
    from service.triage.ruleset import LoadedVersion

    def broken(self, intake, reference):
        raise EngineError(engine_message(intake))

    monkeypatch.setattr(LoadedVersion, "assess", broken)
    response = app.test_client().post("/api/v1/triage", json=ANSWERS)
    assert response.status_code == 200 and response.get_json()["referral"] is not None
    assert "error code: 303" in log.text  # what broke is still told
    assert health_data_in(log.text, [response.get_json()["id"]]) == []


def engine_message(intake: Intake) -> str:
    """What a failing C core may say: its code, and the fact it was given."""
    return f"durable_rules failed: error code: 303 on {intake.model_dump_json()}"
