"""The check-in form: its questions (built from the answer model) and its posted answers.

The safety questions come from the intake questionnaire's own descriptions, so they read
exactly as at the first visit; this module only lays them out and undoes what HTML does
to values. It decides nothing clinical.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from service.followup.checkin import CheckinAnswers
from service.followup.plan import WeekPlan
from service.followup.retriage import spreading_choices
from service.patient.web_form import NO, YES, YES_NO
from service.triage.questionnaire import describe

SCALES = {"pain_now": range(0, 11), "exercise_days": range(0, 8)}
NOT_ANSWERS = frozenset({"csrf_token"})


def questions(plan: WeekPlan) -> list[dict]:
    """Every check-in question, in order, each with a `type` the template can draw."""
    asked = []
    for q in describe(CheckinAnswers):
        if q["id"] in SCALES:
            q = q | {"type": "scale", "choices": [
                {"value": str(v), "label": str(v)} for v in SCALES[q["id"]]]}
        elif q["id"] == "spreading_exercise":
            q = q | {"type": "choice", "choices": [
                {"value": v, "label": label} for v, label in spreading_choices(plan)]}
        elif q["type"] == "boolean":
            q = q | {"choices": list(YES_NO)}
        asked.append(q)
    return asked


def _typed(kind: str, raw: str):
    if kind == "boolean":
        return {YES: True, NO: False}.get(raw, raw)
    if kind in ("integer", "scale"):
        try:
            return int(raw)
        except ValueError:
            return raw  # the validator names it
    return raw


def answers_from_form(form: MultiDict, plan: WeekPlan) -> dict:
    """The check-in a form post describes: unanswered questions left out."""
    kinds = {q["id"]: q["type"] for q in questions(plan)}
    data = {}
    for name in form:
        if name in NOT_ANSWERS:
            continue
        answered = [v.strip() for v in form.getlist(name) if v.strip()]
        if answered:
            data[name] = (answered if len(answered) > 1
                          else _typed(kinds.get(name, ""), answered[0]))
    return data


def patient_errors(fields: Mapping[str, str], plan: WeekPlan) -> dict[str, str]:
    """The validator's messages in words for a patient, keyed by question."""
    asked = {q["id"]: q for q in questions(plan)}
    errors = {}
    for name in fields:
        q = asked.get(name)
        if q is None:
            errors[name] = "We did not expect this answer. Please reload the page and try again."
        elif q["type"] == "boolean":
            errors[name] = "Please choose Yes or No."
        elif q["type"] in ("choice", "scale"):
            errors[name] = "Please choose one of the answers."
        else:
            errors[name] = (f"Please enter a number from {q.get('minimum', 0)} to "
                            f"{q.get('maximum')}, written in digits.")
    return errors


def form_values(data: Mapping) -> dict[str, str]:
    """Answers as the form's strings, to fill the form in again after an error."""
    return {k: (YES if v else NO) if isinstance(v, bool) else str(v) for k, v in data.items()
            if not isinstance(v, list)}
