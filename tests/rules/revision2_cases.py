"""The cases of issue 13 and CLINICAL.md "Revision 2": answers, level, whether a routine.

Shared by the engine tests (tests/rules) and the API tests (tests/service), so both hold
the service to the same table. Each case changes only what it tests in a flag-free adult.
"""

from __future__ import annotations

# A flag-free adult in the shape an old client sends: no Revision 2 fields at all.
NO_FLAGS = {
    "age": 40, "sex": "unspecified", "days_since_onset": 10, "pain_score": 5,
    "leg_pain": "none", "leg_weakness": "none", "saddle_numbness": False,
    "bladder_bowel_change": False, "fever": False, "iv_drug_use": False,
    "immunosuppressed": False, "recent_infection": False, "cancer_history": False,
    "unexplained_weight_loss": False, "night_pain": False, "thoracic_pain": False,
    "major_trauma": False, "osteoporosis": False, "long_term_steroids": False,
}

E, C24, C, S = "emergency", "consultation_24", "consultation", "self_care"

# (case id, changes, level, routine given?)
CASES: list[tuple[str, dict, str, bool]] = [
    # Metastatic cord compression: cancer with ANY weakness, difficulty walking, both legs
    ("cancer_stable_weak_foot", {"cancer_history": True, "leg_weakness": "stable",
                                 "leg_pain": "below_knee"}, E, False),
    ("cancer_worsening_weakness", {"cancer_history": True, "leg_weakness": "worsening"},
     E, False),
    ("cancer_difficulty_walking", {"cancer_history": True, "difficulty_walking": True},
     E, False),
    ("cancer_both_legs_long_standing", {"cancer_history": True, "leg_pain": "both_legs",
                                        "days_since_onset": 400}, E, False),
    # Cancer with new nerve pain into one leg, no weakness
    ("cancer_above_knee", {"cancer_history": True, "leg_pain": "above_knee"}, C24, False),
    ("cancer_below_knee", {"cancer_history": True, "leg_pain": "below_knee"}, C24, False),
    ("cancer_alone", {"cancer_history": True}, C, True),
    # Fracture without injury
    ("steroids_alone", {"long_term_steroids": True}, C, False),
    ("osteoporosis_pain_7", {"osteoporosis": True, "pain_score": 7}, C, False),
    ("osteoporosis_pain_6", {"osteoporosis": True, "pain_score": 6}, S, True),
    ("age_85_steroids_osteoporosis_no_fall", {"age": 85, "long_term_steroids": True,
                                              "osteoporosis": True}, C, False),
    # Spinal infection: fever with upper-back pain; diabetes and steroids as risk factors
    ("fever_thoracic_pain", {"fever": True, "thoracic_pain": True}, C24, False),
    ("diabetes_alone", {"diabetes": True}, C, True),
    ("diabetes_fever", {"diabetes": True, "fever": True}, C24, False),
    ("diabetes_night_pain", {"diabetes": True, "night_pain": True}, C24, False),
    ("steroids_fever", {"long_term_steroids": True, "fever": True}, C24, False),
    ("steroids_night_pain", {"long_term_steroids": True, "night_pain": True}, C24, False),
    # Possible cancer: weight loss with night pain (any age); 50 or over with night pain
    ("weight_loss_night_pain_age_35", {"unexplained_weight_loss": True, "night_pain": True,
                                       "age": 35}, C, True),
    ("night_pain_age_50", {"night_pain": True, "age": 50}, C, True),
    ("night_pain_age_80", {"night_pain": True, "age": 80}, C, True),
    ("night_pain_age_49", {"night_pain": True, "age": 49}, S, True),
    # Cauda equina: sexual dysfunction with both legs or weakness
    ("sexual_dysfunction_both_legs", {"sexual_dysfunction": True, "leg_pain": "both_legs",
                                      "days_since_onset": 400}, E, False),
    ("sexual_dysfunction_stable_weakness", {"sexual_dysfunction": True,
                                            "leg_weakness": "stable"}, E, False),
    ("sexual_dysfunction_worsening_weakness", {"sexual_dysfunction": True,
                                               "leg_weakness": "worsening"}, E, False),
    ("sexual_dysfunction_alone", {"sexual_dysfunction": True}, C, True),
    # Both legs without weakness: by time
    ("both_legs_day_14", {"leg_pain": "both_legs", "days_since_onset": 14}, C24, False),
    ("both_legs_day_0", {"leg_pain": "both_legs", "days_since_onset": 0}, C24, False),
    ("both_legs_day_15", {"leg_pain": "both_legs", "days_since_onset": 15}, C, True),
    ("both_legs_400_days", {"leg_pain": "both_legs", "days_since_onset": 400}, C, True),
    ("both_legs_400_days_worsening", {"leg_pain": "both_legs", "days_since_onset": 400,
                                      "leg_weakness": "worsening"}, E, False),
    # Chest pain
    ("chest_pain", {"chest_pain": True}, "emergency_ambulance", False),
    # New difficulty walking
    ("difficulty_walking_alone", {"difficulty_walking": True}, C24, False),
    ("difficulty_walking_both_legs", {"difficulty_walking": True, "leg_pain": "both_legs",
                                      "days_since_onset": 400}, E, False),
    ("difficulty_walking_saddle", {"difficulty_walking": True, "saddle_numbness": True},
     E, False),
    ("difficulty_walking_bladder", {"difficulty_walking": True,
                                    "bladder_bowel_change": True}, E, False),
    ("difficulty_walking_sexual", {"difficulty_walking": True, "sexual_dysfunction": True},
     E, False),
    # Children: no routine under 16; same day under 5
    ("age_16", {"age": 16}, S, True),
    ("age_15", {"age": 15}, C, False),
    ("age_5", {"age": 5}, C, False),
    ("age_4", {"age": 4}, C24, False),
    ("age_3", {"age": 3, "days_since_onset": 7}, C24, False),
    ("age_0", {"age": 0}, C24, False),
]

CASE_IDS = [case[0] for case in CASES]


def answers(changes: dict) -> dict:
    """A flag-free adult with `changes` applied."""
    return {**NO_FLAGS, **changes}
