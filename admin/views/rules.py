"""The draft rules: a structured editor whose every save the server checks."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_admin import expose
from markupsafe import Markup, escape
from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from admin.forms import pydantic_messages
from admin.rule_form import ActionField, ConditionsField
from admin.views.base import PanelModelView, Problem
from admin.wording import (
    RULE_GROUPS,
    describe_action,
    describe_condition,
    level_words,
    rule_group,
    vocabulary_document,
)
from rules import schema
from rules.checks import rule_static_problems
from service.extensions import db
from service.store.models import Advice, Exercise
from service.triage.intake import VOCABULARY

RULE_FIELDS = tuple(schema.Rule.model_fields)


def _conditions(view, context, model, name):
    return describe_condition(model.conditions)


def _action(view, context, model, name):
    action = model.action or {}
    if action.get("type") == "refer":  # short in the list; the details page has it in full
        level = action.get("level", "")
        held = " (no routine)" if action.get("withhold_routine") else ""
        return Markup(f'Refer: <span class="level level-{escape(level)}">'
                      f'{escape(level_words(level))}</span>{held}')
    return describe_action(action)


def _group(view, context, model, name):
    return Markup(f'<span class="rule-group">'
                  f'{escape(rule_group(model.conditions or {}, model.action or {}))}</span>')


def _action_in_full(view, context, model, name):
    return describe_action(model.action or {})


class RuleView(PanelModelView):
    """Draft rules: when the answers match the conditions, take the action."""

    draft_banner = True
    entity = "rule"
    audit_fields = (*RULE_FIELDS, "display_order")
    column_list = ("group", "display_order", "enabled", "name", "slug", "conditions",
                   "action")
    column_details_list = (*audit_fields, "updated_at", "updated_by")
    column_labels = {"group": "Kind", "display_order": "#", "slug": "Short id",
                     "conditions": "When", "action": "Then",
                     "reason": "Reason shown to the patient",
                     "rationale": "Rationale (for clinicians)", "updated_at": "Changed",
                     "updated_by": "By"}
    column_formatters = {"conditions": _conditions, "action": _action, "group": _group}
    column_formatters_detail = {"conditions": _conditions, "action": _action_in_full}
    column_searchable_list = ("slug", "name", "reason")
    column_sortable_list = ("display_order", "enabled", "name", "slug")
    column_default_sort = [("display_order", False), ("id", False)]
    # Extra fields must be listed here too: flask-admin builds the form from this order.
    form_columns = ("name", "slug", "enabled", "conditions", "action", "reason", "rationale",
                    "source", "display_order")
    form_extra_fields = {
        "conditions": ConditionsField("When"),
        "action": ActionField("Then"),
    }
    form_args = {
        "slug": {"label": "Short id",
                 "description": "Lower-case letters, digits, - and _; shown in the audit log."},
        "enabled": {"description": "Untick to keep the rule in the draft without using it."},
        "reason": {"description": "Plain words: why this applies to the patient."},
        "rationale": {"description": "For reviewers: why the rule is right and safe."},
        "source": {"description": "The guideline or paper it rests on."},
        "display_order": {"label": "Position in the list"},
    }
    form_widget_args = {"reason": {"rows": 3}, "rationale": {"rows": 3},
                        "source": {"rows": 2}}

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        """Unless a column is sorted on, list red flags, then other referrals, then the
        routine, each in its own order: the groups a clinician looks for."""
        if sort_column is not None or not execute:
            return super().get_list(page, sort_column, sort_desc, search, filters, execute,
                                    page_size)
        count, rows = super().get_list(None, None, False, search, filters, True, 0)
        rows = sorted(rows, key=lambda r: (
            RULE_GROUPS.index(rule_group(r.conditions or {}, r.action or {})),
            r.display_order, r.id))
        size = self.page_size if page_size is None else page_size
        if size:
            rows = rows[(page or 0) * size:((page or 0) + 1) * size]
        return count, rows

    @property
    def extra_js(self):
        return [url_for("panel.static", filename="rule_editor.js")]

    @expose("/vocabulary.json")
    def vocabulary(self):
        """The fields, operators and values a rule may use, for the editor script."""
        return jsonify(vocabulary_document())

    def change_problems(self, form, model, is_created) -> list[Problem]:
        try:
            rule = schema.Rule.model_validate({f: getattr(model, f) for f in RULE_FIELDS})
        except PydanticError as error:
            return [(m.split(".")[0].split(":")[0], m) for m in pydantic_messages(error)]
        exercises = set(db.session.scalars(select(Exercise.slug)))
        advice = set(db.session.scalars(select(Advice.slug)))
        problems = schema.rule_problems(rule, VOCABULARY, exercises, advice)
        if rule.enabled and not problems:  # a disabled draft rule may be unfinished
            problems = rule_static_problems(rule, VOCABULARY)
        return [(_field_of(p), p) for p in problems]


def _field_of(problem: str) -> str:
    """Which part of the form a rule problem is about, to show it next to that part."""
    if problem.startswith(("unknown exercise", "unknown advice")) or "referral" in problem:
        return "action"
    return "reason" if "reason is blank" in problem else "conditions"
