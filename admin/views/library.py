"""The draft exercise and advice library, each row checked against rules.schema on save."""

from __future__ import annotations

from typing import get_args

from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from wtforms import fields

from admin.forms import LinesField, pydantic_messages
from admin.views.base import PanelModelView, Problem, committed_value
from rules import schema
from service.extensions import db
from service.patient.result_view import ILLUSTRATIONS, drawings
from service.store.models import Rule

CATEGORIES = {c: c for c in get_args(schema.ExerciseCategory)}
# The drawings the patient pages have, by name; anything else shows the plain figure.
DRAWINGS = {"": "None: the plain figure",
            **{name: name.replace("_", " ").capitalize() for name in sorted(ILLUSTRATIONS)}}


def _dose(view, context, model, name):
    parts = []
    if model.hold_seconds:
        parts.append(f"hold {model.hold_seconds} s")
    if model.reps:
        parts.append(f"{model.reps} times")
    if model.sets and model.sets > 1:
        parts.append(f"{model.sets} sets")
    if model.times_per_day:
        parts.append(f"{model.times_per_day}× a day")
    return ", ".join(parts)


class LibraryView(PanelModelView):
    """What exercises and advice share: schema validation and rule references."""

    draft_banner = True
    schema_model: type = schema.Exercise
    action_key = ""  # the key a rule's action uses to point at a row of this table

    def change_problems(self, form, model, is_created) -> list[Problem]:
        data = {f: getattr(model, f) for f in self.schema_model.model_fields}
        try:
            self.schema_model.model_validate(data)
        except PydanticError as error:
            return [(m.split(":")[0].split(".")[0], m) for m in pydantic_messages(error)]
        if not is_created:
            old = committed_value(model, "slug")
            users = self.rules_using(old) if old != model.slug else []
            if users:
                return [("slug", f"'{old}' is used by rule(s) {', '.join(users)}: change "
                                 "those rules first, or keep the short id")]
        return []

    def delete_problems(self, model) -> list[str]:
        users = self.rules_using(model.slug)
        if users:
            return [f"'{model.slug}' is used by rule(s) {', '.join(users)}: change or delete "
                    "those rules first"]
        return []

    def rules_using(self, slug: str) -> list[str]:
        """Slugs of draft rules whose action points at `slug`."""
        rules = db.session.scalars(select(Rule).order_by(Rule.display_order))
        return [r.slug for r in rules if (r.action or {}).get(self.action_key) == slug]


# Follow-up progression (service/followup/progression.py): what a weekly plan does with
# the exercise. A step needs a ceiling; the schema refuses one without.
PROGRESSION_ARGS = {
    "unlock_week": {
        "label": "Follow-up: joins the plan from week",
        "description": "In a weekly follow-up course, add this exercise to every plan from "
                       "this week on, even if no rule chose it. Blank: only when a rule "
                       "chooses it."},
    "hold_seconds_step": {"label": "Follow-up: hold rises each week by (seconds)",
                          "description": "After a week done on at least 3 days with no "
                                         "warning sign. Blank: the hold stays."},
    "hold_seconds_max": {"label": "Follow-up: hold at most (seconds)"},
    "reps_step": {"label": "Follow-up: repetitions rise each week by"},
    "reps_max": {"label": "Follow-up: repetitions at most"},
    "sets_step": {"label": "Follow-up: sets rise each week by"},
    "sets_max": {"label": "Follow-up: sets at most"},
}
PROGRESSION_FIELDS = tuple(PROGRESSION_ARGS)


class ExerciseView(LibraryView):
    """Draft exercises: steps, dose, category and cautions."""

    entity = "exercise"
    schema_model = schema.Exercise
    action_key = "exercise"
    audit_fields = tuple(schema.Exercise.model_fields)
    column_list = ("display_order", "name", "slug", "category", "dose", "updated_at",
                   "updated_by")
    column_details_list = (*audit_fields, "updated_at", "updated_by")
    column_labels = {"display_order": "#", "slug": "Short id", "updated_at": "Changed",
                     "updated_by": "By", "hold_seconds": "Hold (seconds)", "reps": "Repetitions",
                     "times_per_day": "Times a day", "illustration": "Drawing",
                     **{k: v["label"] for k, v in PROGRESSION_ARGS.items()}}
    column_formatters = {"dose": _dose}
    column_searchable_list = ("slug", "name")
    column_default_sort = [("display_order", False), ("id", False)]
    form_columns = ("name", "slug", "category", "purpose", "instructions", "hold_seconds",
                    "reps", "sets", "times_per_day", "cautions", "illustration",
                    "display_order", *PROGRESSION_FIELDS)
    form_overrides = {"category": fields.SelectField, "illustration": fields.SelectField}
    form_extra_fields = {
        "instructions": LinesField(
            "Steps", description="One step per line, in the order the patient does them."),
        "cautions": LinesField(
            "Cautions", description="One per line: when to ease off or stop."),
    }
    form_args = {
        "slug": {"label": "Short id", "description": "Rules point at the exercise by this."},
        "category": {"choices": CATEGORIES},
        "purpose": {"description": "One or two sentences: what it does for the back."},
        "hold_seconds": {"label": "Hold (seconds)",
                         "description": "How long each stretch or position is held."},
        "reps": {"label": "Repetitions", "description": "Per side, where there are sides."},
        "sets": {"label": "Sets"},
        "times_per_day": {"label": "Times a day"},
        "illustration": {"label": "Drawing", "choices": DRAWINGS,
                         "description": "Shown beside the steps on the patient's page and "
                                        "the printed handout."},
        "display_order": {"label": "Position in the routine"},
        **PROGRESSION_ARGS,
    }
    form_widget_args = {"instructions": {"rows": 8}, "cautions": {"rows": 4},
                        "purpose": {"rows": 2}}
    # The form previews the drawing it offers (templates/panel/_drawing_preview.html).
    create_template = "panel/exercise_create.html"
    edit_template = "panel/exercise_edit.html"

    def drawing_previews(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(choice, its label, its (caption, template) pairs) for every drawing offered."""
        return [(name, label, drawings(name)) for name, label in DRAWINGS.items()]


class AdviceView(LibraryView):
    """Draft advice: a title and the words the patient reads."""

    entity = "advice"
    schema_model = schema.Advice
    action_key = "advice"
    audit_fields = tuple(schema.Advice.model_fields)
    column_list = ("display_order", "title", "slug", "text", "updated_at", "updated_by")
    column_details_list = (*audit_fields, "updated_at", "updated_by")
    column_labels = {"display_order": "#", "slug": "Short id", "updated_at": "Changed",
                     "updated_by": "By"}
    column_searchable_list = ("slug", "title", "text")
    column_default_sort = [("display_order", False), ("id", False)]
    form_columns = ("title", "slug", "text", "display_order")
    form_args = {
        "slug": {"label": "Short id", "description": "Rules point at the advice by this."},
        "text": {"description": "What the patient reads, in plain words."},
        "display_order": {"label": "Position in the routine"},
        **PROGRESSION_ARGS,
    }
    form_widget_args = {"text": {"rows": 6}}
