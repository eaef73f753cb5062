"""A check-in's answers: how the week went, and every safety question of the intake again.

The safety questions are taken from the intake model's "safety" section each time the
module loads, so a red-flag question added to the intake is asked at check-ins too.
Every yes/no and choice is required: warning signs are asked directly, never assumed.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from rules.vocabulary import base_type
from service.triage.intake import Intake, WholeNumber

SAFETY_SECTION = "safety"
NO_EXERCISE = "none"
# Asked again beside the safety section: pain in both legs is a cauda equina sign.
ALSO_ASKED = ("leg_pain",)


def safety_names() -> list[str]:
    """The intake's safety questions, in the order the intake asks them."""
    return [name for name, info in Intake.model_fields.items()
            if (info.json_schema_extra or {}).get("section") == SAFETY_SECTION]


def _asked_again(name: str, info: FieldInfo) -> tuple[object, FieldInfo]:
    base, _ = base_type(info.annotation, info.metadata)
    if base is bool or get_origin(base) is Literal:
        # Required here even where the intake has a default: ask, never assume "no".
        return (info.annotation, Field(title=info.title, description=info.description,
                                       json_schema_extra={"section": SAFETY_SECTION}))
    return (info.annotation, info)  # e.g. cancer_years_ago: optional, as on the intake


class _WeekAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    pain_now: Annotated[WholeNumber, Field(
        ge=0, le=10, title="How bad is your back or leg pain now?",
        description="0 is no pain, 10 is the worst pain you can imagine.",
        json_schema_extra={"section": "week"})]
    walking_minutes: Annotated[WholeNumber, Field(
        ge=0, le=600, title="On most days this week, how many minutes did you walk?",
        description="Count the minutes you managed on most days, not your best day.",
        json_schema_extra={"section": "week"})]
    exercise_days: Annotated[WholeNumber, Field(
        ge=0, le=7, title="On how many days this week did you do your exercises?",
        json_schema_extra={"section": "week"})]
    skipped_for_pain: bool = Field(
        title="Did you skip any exercises because of pain?",
        json_schema_extra={"section": "week"})
    spreading_exercise: str = Field(
        title="Did any exercise make the pain spread further down your leg?",
        description="Choose the exercise, or 'No'. Pain moving further down the leg is a "
                    "sign to stop that exercise.",
        max_length=80, json_schema_extra={"section": "week"})


def _build() -> type[BaseModel]:
    fields = {name: _asked_again(name, Intake.model_fields[name])
              for name in [*ALSO_ASKED, *safety_names()]}
    return create_model("CheckinAnswers", __base__=_WeekAnswers, **fields)


CheckinAnswers = _build()
CheckinAnswers.__doc__ = "One weekly check-in: the week, and every safety question again."
