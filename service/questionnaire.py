"""The questionnaire, described from the intake model: one source for API and web form."""

from __future__ import annotations

import types
from typing import Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from service.intake import SECTIONS, Intake

# Plain words for the values of choice questions.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "sex": {"female": "Female", "male": "Male", "other": "Other",
            "unspecified": "Prefer not to say"},
    "leg_pain": {"none": "No, it stays in my back",
                 "above_knee": "Yes, into the buttock or thigh, not below the knee",
                 "below_knee": "Yes, below the knee, into the calf or foot",
                 "both_legs": "Yes, I have symptoms in both legs"},
    "leg_weakness": {"none": "No", "stable": "Yes, but it is not getting worse",
                     "worsening": "Yes, and it is getting worse"},
    "q9": {"not_at_all": "Not at all", "slightly": "Slightly", "moderately": "Moderately",
           "very_much": "Very much", "extremely": "Extremely"},
}


def _base_type(annotation):
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0]
    return annotation


def describe(model: type[BaseModel]) -> list[dict]:
    """Each field of `model` as a question, in declaration (display) order."""
    questions = []
    for name, info in model.model_fields.items():
        base = _base_type(info.annotation)
        question = {
            "id": name,
            "label": info.title,
            "help": info.description or "",
            "section": (info.json_schema_extra or {}).get("section"),
            "required": info.is_required(),
        }
        if info.default is not PydanticUndefined and info.default is not None:
            question["default"] = info.default
        if base is bool:
            question["type"] = "boolean"
        elif base is int:
            question["type"] = "integer"
            for m in info.metadata:
                if getattr(m, "ge", None) is not None:
                    question["minimum"] = m.ge
                if getattr(m, "le", None) is not None:
                    question["maximum"] = m.le
        elif get_origin(base) is Literal:
            question["type"] = "choice"
            labels = CHOICE_LABELS.get(name, {})
            question["choices"] = [{"value": v, "label": labels.get(v, v.replace("_", " "))}
                                   for v in get_args(base)]
        elif isinstance(base, type) and issubclass(base, BaseModel):
            question["type"] = "group"
            question["questions"] = describe(base)
        questions.append(question)
    return questions


def questionnaire() -> dict:
    """Sections and questions, in display order."""
    return {
        "sections": [{"id": key, "title": title} for key, title in SECTIONS.items()],
        "questions": describe(Intake),
    }
