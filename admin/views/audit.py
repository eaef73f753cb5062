"""The audit log: every change and every publish, read-only, filterable."""

from __future__ import annotations

from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from markupsafe import Markup, escape

from admin.diff import field_changes
from admin.forms import SQLModelFilters
from admin.security import RoleRequired, allowed
from admin.wording import DETAIL_FORMATTERS, LIST_FORMATTERS
from service.store.models import AuditEntry

ENTITIES = ("rule", "exercise", "advice", "vignette", "user", "ruleset_version",
            "safety_approval")
ACTIONS = ("create", "update", "delete", "publish", "restore", "publish_refused",
           "restore_refused", "approve")


def hidden_entities() -> tuple[str, ...]:
    """What the signed-in user may not read in the audit log: changes to accounts (their
    emails and roles) are for publishers only, as the Accounts page is."""
    return () if allowed("publisher") else ("user",)


def visible_entries(query):
    """`query` (a select or a Query of AuditEntry) without what the user may not read."""
    hidden = hidden_entities()
    return query.filter(AuditEntry.entity.not_in(hidden)) if hidden else query


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _gate_words(after: dict) -> str:
    """A refusal or an approval in one line: why, and what the gate showed."""
    parts = list(after.get("refused") or [])
    parts += [f"{d['answers']}: live: {d['live']}; draft: {d['draft']} ({d['because']})"
              for d in after.get("downgrades") or []][:3]
    parts += [f"vignette {v}" for v in after.get("failing_vignettes") or []][:3]
    parts += [f"“{i['title']}”: “{i['reason']}”" for i in after.get("items") or []][:3]
    return _shorten("; ".join(parts), 300)


def _changes(view, context, model, name):
    if model.action.endswith("_refused") or model.action == "approve":
        return _gate_words(model.after or {})
    if model.entity == "ruleset_version":
        after = model.after or {}
        origin = f" (from version {after['restored_from']})" if after.get("restored_from") else ""
        return f"version {after.get('version')}{origin}: {after.get('note', '')}"
    if model.before is None or model.after is None:
        return model.action + "d"
    return "; ".join(f"{c.name}: {_shorten(c.before, 40)} → {_shorten(c.after, 40)}"
                     for c in field_changes(model.before, model.after))


def _full_changes(view, context, model, name):
    rows = "".join(
        f"<tr><th>{escape(c.name)}</th><td class='pre'>{escape(c.before)}</td>"
        f"<td class='pre'>{escape(c.after)}</td></tr>"
        for c in field_changes(model.before, model.after))
    return Markup("<table class='table table-sm table-bordered diff'><tr><th>field</th>"
                  f"<th>before</th><th>after</th></tr>{rows}</table>")


ENTITY_WORDS = {"ruleset_version": "version", "safety_approval": "safety approval"}


def _action(view, context, model, name):
    return model.action.replace("_", " ")


def _entity(view, context, model, name):
    return ENTITY_WORDS.get(model.entity, model.entity.replace("_", " "))


class AuditView(RoleRequired, ModelView):
    """Who changed what, when, with before and after. Nobody can edit or delete it."""

    allow_create = allow_edit = allow_delete = False
    write_role = None  # read-only for everyone: history is never rewritten
    can_view_details = True
    list_template = "panel/list.html"  # its menu bar without inline script (CSP)
    details_template = "panel/details.html"  # its tabs without javascript: links
    column_type_formatters = LIST_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS
    filter_converter = SQLModelFilters()
    column_list = ("at", "actor", "action", "entity", "entity_key", "changes")
    column_details_list = ("at", "actor", "action", "entity", "entity_key", "changes")
    column_labels = {"at": "When", "actor": "Who", "entity": "What",
                     "entity_key": "Which", "changes": "Change"}
    column_formatters = {"changes": _changes, "action": _action, "entity": _entity}
    column_formatters_detail = {"changes": _full_changes, "action": _action, "entity": _entity}
    column_filters = (
        FilterEqual(AuditEntry.entity, "What", options=[
            (e, ENTITY_WORDS.get(e, e.replace("_", " "))) for e in ENTITIES]),
        FilterEqual(AuditEntry.action, "Action", options=[(a, a.replace("_", " "))
                                                          for a in ACTIONS]),
        FilterLike(AuditEntry.actor, "Who"),
        FilterLike(AuditEntry.entity_key, "Which"),
    )
    named_filter_urls = True  # ?flt0_what_equals=rule: links a person can read and share
    column_default_sort = [("at", True), ("id", True)]
    column_sortable_list = ("at", "actor", "action", "entity")
    page_size = 50

    def get_query(self):
        return visible_entries(super().get_query())

    def get_count_query(self):
        return visible_entries(super().get_count_query())

    def get_one(self, id):
        entry = super().get_one(id)
        return None if entry is None or entry.entity in hidden_entities() else entry
