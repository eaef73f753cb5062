"""Privacy: stored intakes hold no name or contact; retention, export and erasure.

Operators run these from the command line:

    sciatica-triage purge [--days N]        delete intakes older than N days
    sciatica-triage export REFERENCE        print one stored intake and its outcome
    sciatica-triage delete REFERENCE        erase one stored intake

A stored intake's weekly check-ins belong to it: export prints them, delete and purge
remove them with it (the database cascades), and retention counts from the last one.
"""

from __future__ import annotations

import json
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, exists, select

from service.extensions import db
from service.followup.models import Checkin
from service.store.audit import record_change
from service.store.models import TriageRecord, utcnow


def purge_older_than(days: int) -> int:
    """Delete triage records with no activity for `days` days; return how many went."""
    cutoff = utcnow() - timedelta(days=days)
    recent_checkin = exists().where(Checkin.record_id == TriageRecord.id,
                                    Checkin.created_at >= cutoff)
    # Explicitly too, not only by the cascade: a database without foreign keys keeps none.
    stale = select(TriageRecord.id).where(TriageRecord.created_at < cutoff, ~recent_checkin)
    db.session.execute(delete(Checkin).where(Checkin.record_id.in_(stale)))
    result = db.session.execute(delete(TriageRecord).where(TriageRecord.created_at < cutoff,
                                                          ~recent_checkin))
    record_change("system", "purge", "triage_record", "", None,
                  {"older_than_days": days, "deleted": result.rowcount})
    db.session.commit()
    return result.rowcount


def find(reference: str) -> TriageRecord | None:
    return db.session.scalar(select(TriageRecord).where(TriageRecord.reference == reference))


def export(reference: str) -> dict | None:
    """One stored intake and its outcome, as the person could ask for them."""
    record = find(reference)
    if record is None:
        return None
    checkins = db.session.scalars(select(Checkin).where(Checkin.record_id == record.id)
                                  .order_by(Checkin.week))
    return {"reference": record.reference, "created_at": record.created_at.isoformat(),
            "ruleset_version": record.ruleset_version, "intake": record.intake,
            "outcome": record.outcome,
            "checkins": [{"week": c.week, "created_at": c.created_at.isoformat(),
                          "answers": c.answers, "outcome": c.outcome} for c in checkins]}


def erase(reference: str, actor: str) -> bool:
    """Delete one stored intake; the audit keeps only that it happened, not the answers."""
    record = find(reference)
    if record is None:
        return False
    db.session.execute(delete(Checkin).where(Checkin.record_id == record.id))
    db.session.delete(record)
    record_change(actor, "delete", "triage_record", reference, None, None)
    db.session.commit()
    return True


@click.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="retention in days (default: RETENTION_DAYS, 365)")
@with_appcontext
def purge_command(days):
    """Delete stored intakes older than the retention period."""
    days = days or current_app.config["RETENTION_DAYS"]
    click.echo(f"deleted {purge_older_than(days)} intakes older than {days} days")


@click.command("export")
@click.argument("reference")
@with_appcontext
def export_command(reference):
    """Print one stored intake and its outcome as JSON."""
    data = export(reference)
    if data is None:
        raise click.ClickException(f"no stored intake with reference {reference}")
    click.echo(json.dumps(data, indent=2))


@click.command("delete")
@click.argument("reference")
@click.option("--actor", default="operator", show_default=True, help="who asked, for the audit")
@with_appcontext
def delete_command(reference, actor):
    """Erase one stored intake by its reference."""
    if not erase(reference, actor):
        raise click.ClickException(f"no stored intake with reference {reference}")
    click.echo(f"deleted {reference}")


def register(app: Flask) -> None:
    for command in (purge_command, export_command, delete_command):
        app.cli.add_command(command)
