"""The structured rule editor's fields: a condition tree and one action, never raw JSON.

The condition tree is edited by admin/static/rule_editor.js, which reads the vocabulary
from the server and writes the tree into a hidden input; the action is plain inputs.
The server validates both whatever the browser sends (admin/views/rules.py).
"""

from __future__ import annotations

import json
from typing import get_args

from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy import select
from wtforms import Form, fields, validators

from admin.forms import DictFormField, SubformWidget
from admin.wording import level_label
from rules.levels import ReferralLevel
from rules.schema import Dose
from service.extensions import db
from service.store.models import Advice, Exercise

ACTION_TYPES = {
    "refer": "Refer to a doctor (a red flag or a reason to be seen)",
    "include_exercise": "Include an exercise in the routine",
    "add_advice": "Add advice to the routine",
}
DOSE_FIELDS = tuple(Dose.model_fields)
LEVELS = {level: level_label(level) for level in get_args(ReferralLevel)}


class ConditionEditorWidget:
    """A hidden input holding the tree as JSON, and the box the script builds the editor in."""

    def __call__(self, field, **kwargs) -> Markup:
        return Markup(render_template(
            "panel/_condition_editor.html", field=field, value=field._value(),
            vocabulary_url=url_for("rule.vocabulary")))


class ConditionsField(fields.Field):
    """A rule's condition tree (`all`/`any` groups of field tests)."""

    widget = ConditionEditorWidget()

    def process_data(self, value):
        self.data = value or {"all": []}

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = json.loads(valuelist[0] or '{"all": []}')
        except ValueError:
            self.data = None
            raise ValueError("the conditions could not be read; reload the page") from None
        if not isinstance(self.data, dict):
            raise ValueError("the conditions must be an 'all' or an 'any' group")

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return json.dumps(self.data if self.data is not None else {"all": []})


def _dose_bounds(name: str) -> tuple[int, int]:
    lo = hi = None
    for m in Dose.model_fields[name].metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def _dose_field(name: str, label: str):
    lo, hi = _dose_bounds(name)
    return fields.IntegerField(
        label, validators=[validators.Optional(), validators.NumberRange(lo, hi)],
        render_kw={"min": lo, "max": hi, "placeholder": "as in the library"})


def exercise_choices() -> dict[str, str]:
    rows = db.session.scalars(select(Exercise).order_by(Exercise.display_order, Exercise.id))
    return {"": "(choose an exercise)"} | {e.slug: f"{e.name} ({e.slug})" for e in rows}


def advice_choices() -> dict[str, str]:
    rows = db.session.scalars(select(Advice).order_by(Advice.display_order, Advice.id))
    return {"": "(choose advice)"} | {a.slug: f"{a.title} ({a.slug})" for a in rows}


class ActionForm(Form):
    """What a rule does when it fires. Only the inputs for the chosen kind are checked and kept."""

    type = fields.SelectField("When the conditions hold", choices=ACTION_TYPES)
    # The choice lists below are checked in validate(), and only for the chosen kind:
    # the inputs of the other kinds are hidden in the browser and may be blank or absent.
    level = fields.SelectField("Urgency", choices=LEVELS, validate_choice=False)
    message = fields.TextAreaField(
        "What the patient is told to do, and how soon", render_kw={"rows": 3})
    withhold_routine = fields.BooleanField(
        "Give no exercises at all until a doctor has seen them")
    exercise = fields.SelectField("Exercise", choices=exercise_choices, validate_choice=False)
    hold_seconds = _dose_field("hold_seconds", "Hold (seconds)")
    reps = _dose_field("reps", "Repetitions")
    sets = _dose_field("sets", "Sets")
    times_per_day = _dose_field("times_per_day", "Times a day")
    advice = fields.SelectField("Advice", choices=advice_choices, validate_choice=False)

    @classmethod
    def from_dict(cls, action: dict) -> dict:
        """The stored action as this form's field values."""
        data = {k: v for k, v in action.items() if k != "dose"}
        data.update(action.get("dose") or {})
        data.setdefault("type", "refer")
        return data

    def to_dict(self) -> dict:
        """The stored action: only the keys its kind uses."""
        kind = self.type.data
        if kind == "refer":
            return {"type": kind, "level": self.level.data,
                    "message": (self.message.data or "").strip(),
                    "withhold_routine": bool(self.withhold_routine.data)}
        if kind == "include_exercise":
            dose = {f: self[f].data for f in DOSE_FIELDS if self[f].data is not None}
            return {"type": kind, "exercise": self.exercise.data, "dose": dose or None}
        return {"type": kind, "advice": self.advice.data}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        kind = self.type.data
        needs = {"refer": [("level", LEVELS, "choose the urgency"),
                           ("message", None, "write what the patient should do")],
                 "include_exercise": [("exercise", exercise_choices(), "choose the exercise")],
                 "add_advice": [("advice", advice_choices(), "choose the advice")]}
        for name, allowed, problem in needs.get(kind, []):
            value = (self[name].data or "").strip()
            if not value or (allowed is not None and value not in allowed):
                self[name].errors = [*self[name].errors, problem]
                valid = False
        if kind != "include_exercise":  # a hidden dose must not block saving a referral
            for name in DOSE_FIELDS:
                self[name].errors = []
            valid = valid and not any(self[n].errors for n in ("type", "message", "level"))
        return valid


class ActionField(DictFormField):
    """The action sub-form, stored as one dict in the rule's `action` column."""

    # Which inputs belong to which kind of action: the script shows only those.
    widget = SubformWidget(kinds={
        "level": "refer", "message": "refer", "withhold_routine": "refer",
        "exercise": "include_exercise", **dict.fromkeys(DOSE_FIELDS, "include_exercise"),
        "advice": "add_advice"})

    def __init__(self, label=None, **kwargs):
        super().__init__(ActionForm, label, **kwargs)
