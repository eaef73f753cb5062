"""The questionnaire, described from the intake model: one source for API and web form."""

from __future__ import annotations

from typing import Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from rules.vocabulary import base_type, bounds
from service.triage.intake import SECTIONS, Intake

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

# Follow-up questions, asked only when an earlier answer makes them apply:
# question id -> (the question it follows, the answer that makes it apply). The API
# publishes this as "asked_if"; the web form shows such a question only then, and an
# answer to it that no longer applies is dropped, never required.
FOLLOW_UPS: dict[str, tuple[str, object]] = {
    "cancer_years_ago": ("cancer_history", True),
}


def describe(model: type[BaseModel]) -> list[dict]:
    """Each field of `model` as a question, in declaration (display) order."""
    questions = []
    for name, info in model.model_fields.items():
        base, metadata = base_type(info.annotation, info.metadata)
        question = {
            "id": name,
            "label": info.title,
            "help": info.description or "",
            "section": (info.json_schema_extra or {}).get("section"),
            "required": info.is_required(),
        }
        if info.default is not PydanticUndefined and info.default is not None:
            question["default"] = info.default
        if name in FOLLOW_UPS:
            parent, answer = FOLLOW_UPS[name]
            question["asked_if"] = {"question": parent, "answer": answer}
        if base is bool:
            question["type"] = "boolean"
        elif base is int:
            question["type"] = "integer"
            lo, hi = bounds(metadata)
            if lo is not None:
                question["minimum"] = lo
            if hi is not None:
                question["maximum"] = hi
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
