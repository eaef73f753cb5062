"""A patient's answers as form inputs, built from the questionnaire (one source of truth).

Used by "Try it" and by the test vignette editor. The answers are checked by the same
strict intake validation the API uses, so an invalid intake is refused field by field.
"""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from wtforms import fields
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from service.triage.intake import SECTIONS
from service.triage.parsing import IntakeError, validate_intake
from service.triage.questionnaire import questionnaire

# A person with no red flags: "Try it" starts here so a clinician changes only what matters.
EXAMPLE_INTAKE = {
    "age": 40, "sex": "unspecified", "days_since_onset": 10, "pain_score": 4,
    "leg_pain": "above_knee", "leg_weakness": "none", "saddle_numbness": False,
    "bladder_bowel_change": False, "sexual_dysfunction": False, "fever": False,
    "iv_drug_use": False, "immunosuppressed": False, "recent_infection": False,
    "cancer_history": False, "unexplained_weight_loss": False, "night_pain": False,
    "thoracic_pain": False, "major_trauma": False, "minor_trauma": False,
    "osteoporosis": False, "long_term_steroids": False, "buttock_pain_sitting": False,
    "hamstring_tightness": False, "walking_minutes": 20,
}


def _parse(raw: str, kind: str):
    """One submitted answer; anything odd is kept so validation can name the problem."""
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def answers_from_form(formdata, prefix: str, questions: list[dict]) -> dict:
    """The answers given in `formdata` under `prefix`; blank inputs are left out."""
    answers = {}
    for q in questions:
        name = f"{prefix}{q['id']}"
        if q["type"] == "group":
            group = answers_from_form(formdata, f"{name}-", q["questions"])
            if group:
                answers[q["id"]] = group
            continue
        raw = (formdata.get(name) or "").strip()
        if raw:
            answers[q["id"]] = _parse(raw, q["type"])
    return answers


class IntakeWidget:
    """Every question of the questionnaire, grouped by section, filled with `field.data`."""

    def __call__(self, field, **kwargs) -> Markup:
        return Markup(render_template(
            "panel/_intake_fields.html", prefix=f"{field.name}-", answers=field.data or {},
            questions=questionnaire()["questions"], sections=SECTIONS,
            bad=field.bad_answers))


class IntakeField(fields.Field):
    """A whole intake (a dict), validated strictly as the API would."""

    widget = IntakeWidget()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.bad_answers: dict[str, str] = {}

    def process_data(self, value):
        self.data = dict(value or {})

    def process_formdata(self, valuelist):
        pass  # the answers come from many inputs, read in process()

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            self.data = answers_from_form(formdata, f"{self.name}-",
                                          questionnaire()["questions"])

    def pre_validate(self, form):
        try:
            validate_intake(self.data)
        except IntakeError as error:
            self.bad_answers = error.fields
            raise ValidationError(
                "These answers are not a valid intake: "
                + "; ".join(f"{k}: {v}" for k, v in error.fields.items())) from None
