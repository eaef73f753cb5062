"""Clinical test vignettes: given these answers, the outcome must be this. Publish runs all."""

from __future__ import annotations

import re
from typing import get_args

from sqlalchemy import select
from wtforms import Form, fields, validators

from admin.forms import DictFormField, MultiCheckboxField
from admin.intake_form import EXAMPLE_INTAKE, IntakeField
from admin.rule_form import advice_choices, exercise_choices
from admin.views.base import PanelModelView, Problem
from admin.wording import level_label
from rules.levels import TRIAGE_LEVELS
from rules.schema import ExerciseCategory
from service.extensions import db
from service.store.models import Advice, Exercise
from service.triage.parsing import IntakeError, validate_intake

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ROUTINE = {"": "Either", "yes": "A routine must be given", "no": "No routine may be given"}
LISTS = ("exercises_include", "categories_include", "advice_include", "advice_exclude")


def _at_least_one(form, field):
    # Not InputRequired: its "required" flag on every checkbox would demand all of them.
    if not field.data:
        raise validators.ValidationError("choose at least one acceptable level")


def _no_blank(choices):
    return lambda: {k: v for k, v in choices().items() if k}


class ExpectForm(Form):
    """What a safe outcome looks like for this vignette."""

    levels = MultiCheckboxField(
        "Acceptable triage levels", choices={lv: level_label(lv) for lv in TRIAGE_LEVELS},
        validators=[_at_least_one])
    routine = fields.SelectField("Routine", choices=ROUTINE)
    exercises_include = MultiCheckboxField(
        "Exercises the routine must include", choices=_no_blank(exercise_choices))
    categories_include = MultiCheckboxField(
        "Exercise categories the routine must include",
        choices={c: c for c in get_args(ExerciseCategory)})
    advice_include = MultiCheckboxField(
        "Advice the routine must include", choices=_no_blank(advice_choices))
    advice_exclude = MultiCheckboxField(
        "Advice the routine must not include", choices=_no_blank(advice_choices))
    first_week_max = fields.IntegerField(
        "Walking plan: first week at most (minutes a day)",
        validators=[validators.Optional(), validators.NumberRange(0, 600)])
    last_week_min = fields.IntegerField(
        "Walking plan: last week at least (minutes a day)",
        validators=[validators.Optional(), validators.NumberRange(0, 600)])

    @classmethod
    def from_dict(cls, expect: dict) -> dict:
        data = {k: expect.get(k, []) for k in (*LISTS, "levels")}
        data["routine"] = {True: "yes", False: "no"}.get(expect.get("routine"), "")
        data.update(expect.get("walking") or {})
        return data

    def to_dict(self) -> dict:
        expect: dict = {"levels": list(self.levels.data or [])}
        if self.routine.data:
            expect["routine"] = self.routine.data == "yes"
        expect.update({k: list(self[k].data) for k in LISTS if self[k].data})
        walking = {k: self[k].data for k in ("first_week_max", "last_week_min")
                   if self[k].data is not None}
        if walking:
            expect["walking"] = walking
        return expect


class ExpectField(DictFormField):
    def __init__(self, label=None, **kwargs):
        super().__init__(ExpectForm, label, **kwargs)


def _expectation(view, context, model, name):
    e = model.expect or {}
    parts = ["/".join(e.get("levels", []))]
    if "routine" in e:
        parts.append("routine" if e["routine"] else "no routine")
    parts += [f"{k.replace('_', ' ')}: {', '.join(e[k])}" for k in LISTS if e.get(k)]
    return " · ".join(parts)


class VignetteView(PanelModelView):
    """Test vignettes. They are not part of a version: a change applies to the next publish."""

    draft_banner = True
    entity = "vignette"
    audit_fields = ("slug", "note", "intake", "expect")
    column_list = ("slug", "note", "expect", "updated_at", "updated_by")
    column_details_list = (*audit_fields, "updated_at", "updated_by")
    column_labels = {"slug": "Vignette", "expect": "Expected", "intake": "Answers",
                     "updated_at": "Changed", "updated_by": "By"}
    column_formatters = {"expect": _expectation}
    column_searchable_list = ("slug", "note")
    column_default_sort = "slug"
    form_columns = ("slug", "note", "expect", "intake")
    form_extra_fields = {"expect": ExpectField("Expected outcome"),
                         "intake": IntakeField("Answers")}
    form_args = {"slug": {"label": "Short id", "validators": [validators.Regexp(
        SLUG, message="lower-case letters, digits, - and _ only")]},
        "note": {"description": "What this case checks, and why the expected outcome is safe."}}
    form_widget_args = {"note": {"rows": 2}}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if not form.intake.data:
            form.intake.data = dict(EXAMPLE_INTAKE)
        return form

    def change_problems(self, form, model, is_created) -> list[Problem]:
        problems: list[Problem] = []
        try:
            validate_intake(model.intake)
        except IntakeError as error:
            problems += [("intake", f"answers: {k}: {v}") for k, v in error.fields.items()]
        expect = model.expect or {}
        unknown = set(expect.get("levels", [])) - set(TRIAGE_LEVELS)
        if not expect.get("levels") or unknown:
            problems.append(("expect", "choose at least one acceptable triage level"))
        for key, table in (("exercises_include", Exercise), ("advice_include", Advice),
                           ("advice_exclude", Advice)):
            known = set(db.session.scalars(select(table.slug)))
            problems += [("expect", f"{key.replace('_', ' ')}: unknown '{slug}'")
                         for slug in expect.get(key, []) if slug not in known]
        return problems
