"""Shared by the follow-up tests: a quiet intake, and check-ins built from it."""

from __future__ import annotations

from service.followup.vignettes import complete

START = {
    "age": 40, "sex": "female", "days_since_onset": 10, "pain_score": 6,
    "leg_pain": "above_knee", "leg_weakness": "none", "saddle_numbness": False,
    "bladder_bowel_change": False, "sexual_dysfunction": False, "fever": False,
    "iv_drug_use": False, "immunosuppressed": False, "recent_infection": False,
    "cancer_history": False, "unexplained_weight_loss": False, "night_pain": False,
    "thoracic_pain": False, "major_trauma": False, "minor_trauma": False,
    "osteoporosis": False, "long_term_steroids": False, "walking_minutes": 10,
}


def week(pain: int, minutes: int, days: int = 5, **changes) -> dict:
    """A complete check-in: this pain and walking, every safety answer 'no' unless changed."""
    return complete(START, {"pain_now": pain, "walking_minutes": minutes,
                            "exercise_days": days, **changes})
