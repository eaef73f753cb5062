"""The draft knowledge base in the database, and seeding it with the defaults."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import select

from rules.defaults import load_default_knowledge_base
from rules.schema import Advice, Exercise, KnowledgeBase, Rule
from service.extensions import db
from service.store import models

_KINDS = ((models.Rule, Rule), (models.Exercise, Exercise), (models.Advice, Advice))


def _schema_fields(schema) -> list[str]:
    return list(schema.model_fields)


def row_to_item(row, schema):
    """A database row as its rules.schema model (validated)."""
    return schema.model_validate({f: getattr(row, f) for f in _schema_fields(schema)})


def draft_knowledge_base() -> KnowledgeBase:
    """The knowledge base as clinicians have edited it, not yet published."""
    parts = {}
    for (model, schema), key in zip(_KINDS, ("rules", "exercises", "advice"), strict=True):
        rows = db.session.scalars(select(model).order_by(model.display_order, model.id))
        parts[key] = [row_to_item(row, schema) for row in rows]
    return KnowledgeBase(**parts)


def public_vignettes() -> list[dict]:
    """The public clinical vignettes shipped with the service."""
    text = resources.files("service").joinpath("data/vignettes_public.json").read_text("utf-8")
    return json.loads(text)


def seed_draft(kb: KnowledgeBase | None = None) -> None:
    """Fill empty library tables and vignettes from the defaults (does not commit)."""
    kb = kb or load_default_knowledge_base()
    for (model, _), items in zip(_KINDS, (kb.rules, kb.exercises, kb.advice), strict=True):
        if db.session.scalar(select(model.id).limit(1)) is None:
            for i, item in enumerate(items):
                data = item.model_dump(mode="json")
                data.setdefault("display_order", i)
                if model is models.Rule:
                    data["display_order"] = i
                db.session.add(model(**data))
    if db.session.scalar(select(models.Vignette.id).limit(1)) is None:
        for v in public_vignettes():
            db.session.add(models.Vignette(slug=v["id"], note=v.get("note", ""),
                                           intake=v["intake"], expect=v["expect"]))
    from service.followup.vignettes import seed_checkin_vignettes

    seed_checkin_vignettes(db.session, models.Vignette)
