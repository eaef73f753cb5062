"""Resetting the draft to a published snapshot, row by row, every change audited.

After a restore the draft must equal what is live again; otherwise the next publish
would quietly bring back what was just rolled back.
"""

from __future__ import annotations

from pydantic_core import to_jsonable_python
from sqlalchemy import select

from rules import schema
from rules.schema import KnowledgeBase
from service.extensions import db
from service.store import models
from service.store.audit import record_change
from service.store.models import utcnow

# (snapshot key, draft table, audit entity, the fields a snapshot item carries)
_TABLES = (
    ("rules", models.Rule, "rule", (*schema.Rule.model_fields, "display_order")),
    ("exercises", models.Exercise, "exercise", tuple(schema.Exercise.model_fields)),
    ("advice", models.Advice, "advice", tuple(schema.Advice.model_fields)),
)


def _state(row, keys) -> dict:
    return {k: to_jsonable_python(getattr(row, k)) for k in keys}


def reset_draft(kb: KnowledgeBase, actor: str) -> int:
    """Make the draft tables equal `kb`; returns how many rows changed (caller commits)."""
    snapshot = kb.model_dump(mode="json")
    changed = 0
    for key, model, entity, keys in _TABLES:
        rows = {row.slug: row for row in db.session.scalars(select(model))}
        wanted = {}
        for position, item in enumerate(snapshot[key]):
            # Rules have no order of their own in a snapshot: keep the snapshot's.
            wanted[item["slug"]] = {"display_order": position, **item}
        for slug, row in rows.items():
            if slug not in wanted:
                record_change(actor, "delete", entity, slug, _state(row, keys), None)
                db.session.delete(row)
                changed += 1
        for slug, item in wanted.items():
            row = rows.get(slug)
            before = _state(row, keys) if row is not None else None
            if before == item:
                continue
            if row is None:
                row = model(**item)
                db.session.add(row)
            else:
                for name, value in item.items():
                    setattr(row, name, value)
            row.updated_by, row.updated_at = actor, utcnow()
            record_change(actor, "create" if before is None else "update", entity, slug,
                          before, item)
            changed += 1
    return changed
