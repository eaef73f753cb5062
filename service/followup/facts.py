"""The facts a check-in adds for the rules: declared once, here, for the rule vocabulary.

An intake has none of these fields, and a rule leaf on a missing field is false in the
engine (and in the oracle), so a course rule can never fire on a first intake, and
intake rules keep working unchanged on check-ins.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

COURSE_SECTION = "course"
COURSE_SECTION_TITLE = "Follow-up check-ins (absent on a first intake)"
MAX_WEEKS = 52


def _fact(label: str, help: str, **kwargs):
    return Field(title=label, description=help,
                 json_schema_extra={"section": COURSE_SECTION}, **kwargs)


class CheckinFacts(BaseModel):
    """What one weekly check-in and its history tell the rules."""

    model_config = ConfigDict(extra="forbid", strict=True)

    checkin_week: int = _fact(
        "Check-in week", "Which weekly check-in this is: 1 is the first.", ge=1, le=MAX_WEEKS)
    pain_change_from_start: int = _fact(
        "Pain change since the start",
        "Pain now minus the pain score at the first intake (negative is better).",
        ge=-10, le=10)
    worse_by_2_streak: int = _fact(
        "Check-ins in a row with pain 2 or more points worse than at the start",
        "0 when this check-in's pain is less than 2 points above the start.",
        ge=0, le=MAX_WEEKS)
    peripheralised: bool = _fact(
        "An exercise made the leg pain spread further down the leg", "")
    exercises_skipped_for_pain: bool = _fact(
        "Exercises were skipped this week because of pain", "")
    exercise_days: int = _fact(
        "Days this week the exercises were done", "", ge=0, le=7)
    walking_managed: bool = _fact(
        "Managed this week's walking minutes on most days", "")
