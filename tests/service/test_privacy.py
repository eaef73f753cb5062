"""Stored intakes carry no identity; retention purges them; export and erase by reference."""

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from service.extensions import db
from service.store.models import AuditEntry, TriageRecord, utcnow
from service.triage.intake import Intake


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(TriageRecord.id)))


def test_the_intake_has_no_field_for_a_name_or_contact_detail(client, intake):
    identity = {"name", "email", "phone", "address", "nhs_number", "date_of_birth"}
    assert not identity & set(Intake.model_fields)
    intake["name"] = "Ada Lovelace"
    response = client.post("/api/v1/triage", json=intake)
    assert response.status_code == 422
    assert response.get_json()["fields"]["name"] == "unknown field"


def test_purge_deletes_only_intakes_older_than_the_retention(app, client, runner, intake):
    old = client.post("/api/v1/triage", json=intake).get_json()["id"]
    new = client.post("/api/v1/triage", json=intake).get_json()["id"]
    with app.app_context():
        db.session.execute(update(TriageRecord).where(TriageRecord.reference == old)
                           .values(created_at=utcnow() - timedelta(days=40)))
        db.session.commit()
    result = runner.invoke(args=["purge", "--days", "30"])
    assert result.exit_code == 0 and "deleted 1 intakes" in result.output
    with app.app_context():
        left = set(db.session.scalars(select(TriageRecord.reference)))
        assert left == {new}
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purge"))


def test_export_and_erase_by_reference(app, client, runner, intake):
    reference = client.post("/api/v1/triage", json=intake).get_json()["id"]
    exported = runner.invoke(args=["export", reference])
    assert exported.exit_code == 0
    data = json.loads(exported.output)
    assert data["reference"] == reference and data["intake"]["age"] == intake["age"]
    assert data["outcome"]["triage_level"] == "self_care"

    erased = runner.invoke(args=["delete", reference])
    assert erased.exit_code == 0
    assert count(app) == 0
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_key == reference))
        assert entry.action == "delete" and entry.before is None  # no answers kept
    assert runner.invoke(args=["export", reference]).exit_code != 0
    assert runner.invoke(args=["delete", reference]).exit_code != 0
