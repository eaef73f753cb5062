"""The answer when no ruleset version can be evaluated: see a doctor, never a routine.

The level is the most urgent of `consultation` and the built-in safety floor
(service/triage/safety_floor.py), so a failure never tells someone with a strong red flag to
wait: saddle numbness still means A&E now. The wording matches that level.
"""

from __future__ import annotations

from typing import Any

from rules.levels import most_urgent
from service.triage.outcome import LEVEL_GUIDANCE, Outcome, Reason, Referral, _start_back
from service.triage.safety_floor import floor_flags

# The least urgent answer a failure may give (DESIGN.md, Safety invariants).
FAIL_SAFE_MINIMUM = "consultation"

INCOMPLETE = Reason(
    rule="assessment-incomplete",
    text="We could not complete your assessment, so we cannot safely suggest exercises. "
         "Please see a doctor.")

# At A&E levels the action comes first, in the service's own words for that level.
_ACT_NOW = {
    "emergency_ambulance": "Call 999 for an ambulance now. Your answers include a warning "
                           "sign that needs help straight away.",
    "emergency": "Go to an emergency department (A&E) now. Your answers include a warning "
                 "sign that needs to be checked straight away. Do not drive yourself.",
}
_FROM_SAFETY_ANSWERS = ("We could not complete your assessment, so this advice comes from "
                        "your answers to the safety questions.")
# For the levels below A&E: the signs that should still send someone there now.
_GO_NOW_IF = (
    "Go to an emergency department now if you have numbness around your genitals or back "
    "passage, a new problem with your bladder or bowels, or weakness in your legs that is "
    "getting worse. Call 999 if you have chest pain."
)


def fail_safe(reference: str, version: int | None, intake: Any) -> Outcome:
    """A referral at least as urgent as the answers' strong flags; never a routine."""
    flags = floor_flags(intake) if intake is not None else []
    level = most_urgent([FAIL_SAFE_MINIMUM, *(flag.level for flag in flags)])
    title, time_frame, instruction = LEVEL_GUIDANCE[level]
    if level in _ACT_NOW:
        message = f"{_ACT_NOW[level]} {_FROM_SAFETY_ANSWERS}"
    else:
        message = f"We could not complete your assessment. {instruction} {_GO_NOW_IF}"
    reasons = [Reason(rule=f"safety-floor-{flag.slug}", text=flag.reason) for flag in flags]
    reasons.append(INCOMPLETE)
    return Outcome(
        id=reference, triage_level=level,
        referral=Referral(level=level, title=title, time_frame=time_frame, message=message,
                          reasons=reasons),
        routine=None, reasons=reasons, ruleset_version=version,
        start_back=_start_back(intake) if intake is not None else None,
    )
