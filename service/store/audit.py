"""The audit log: every change to clinical content, and every publish, with who and when."""

from __future__ import annotations

from service.extensions import db
from service.store.models import AuditEntry


def record_change(actor: str, action: str, entity: str, key: str,
                  before: dict | None, after: dict | None) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits)."""
    entry = AuditEntry(actor=actor, action=action, entity=entity, entity_key=key,
                       before=before, after=after)
    db.session.add(entry)
    return entry
