"""What a browser would post to the panel's forms, built from the draft rows."""

from __future__ import annotations

import html
import json
import re

from admin.views.library import PROGRESSION_FIELDS
from service.extensions import db
from service.store.models import Exercise, Rule, RulesetVersion


def page_text(response) -> str:
    """A response's HTML with entities decoded, for matching messages."""
    return html.unescape(response.get_data(as_text=True))


def words(page: str) -> str:
    """Visible text only: tags removed, whitespace collapsed."""
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    return re.sub(r" ([.,:;])", r"\1", text)


def rule_form(app, slug: str, **changes) -> tuple[int, dict]:
    """(id, the edit form of draft rule `slug` as posted, with `changes`)."""
    with app.app_context():
        rule = db.session.scalar(db.select(Rule).where(Rule.slug == slug))
        action = rule.action
        data = {"name": rule.name, "slug": rule.slug, "reason": rule.reason,
                "rationale": rule.rationale, "source": rule.source,
                "display_order": str(rule.display_order),
                "conditions": json.dumps(rule.conditions), "action-type": action["type"]}
        if rule.enabled:
            data["enabled"] = "y"
        for key in ("level", "message", "exercise", "advice"):
            if key in action:
                data[f"action-{key}"] = action[key]
        for key, value in (action.get("dose") or {}).items():
            data[f"action-{key}"] = str(value)
        return rule.id, {**data, **changes}


def save_rule(client, app, slug: str, **changes):
    pk, data = rule_form(app, slug, **changes)
    return client.post(f"/admin/rule/edit/?id={pk}", data=data)


def exercise_form(app, slug: str, **changes) -> tuple[int, dict]:
    """(id, the edit form of draft exercise `slug` as posted, with `changes`)."""
    with app.app_context():
        row = db.session.scalar(db.select(Exercise).where(Exercise.slug == slug))
        data = {name: "" if getattr(row, name) is None else str(getattr(row, name))
                for name in ("name", "slug", "category", "purpose", "hold_seconds", "reps",
                             "sets", "times_per_day", "illustration", "display_order",
                             *PROGRESSION_FIELDS)}
        data["instructions"] = "\n".join(row.instructions)
        data["cautions"] = "\n".join(row.cautions)
        return row.id, {**data, **changes}


def save_exercise(client, app, slug: str, **changes):
    pk, data = exercise_form(app, slug, **changes)
    return client.post(f"/admin/exercise/edit/?id={pk}", data=data)


def versions(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(db.select(RulesetVersion.version)
                                  .order_by(RulesetVersion.version)).all()
