"""Triage levels, most urgent first, as fixed by the intake contract."""

from typing import Literal

TriageLevel = Literal[
    "emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care"
]
ReferralLevel = Literal["emergency_ambulance", "emergency", "consultation_24", "consultation"]

TRIAGE_LEVELS: tuple[str, ...] = (
    "emergency_ambulance",
    "emergency",
    "consultation_24",
    "consultation",
    "self_care",
)

# Levels at which a routine may be shown. Nobody who should see a doctor today is
# handed exercises.
ROUTINE_LEVELS = frozenset({"consultation", "self_care"})


def urgency(level: str) -> int:
    """Rank a level: 0 is the most urgent."""
    return TRIAGE_LEVELS.index(level)


def most_urgent(levels) -> str:
    """The most urgent of some levels; `self_care` when there are none."""
    return min(levels, key=urgency, default="self_care")
