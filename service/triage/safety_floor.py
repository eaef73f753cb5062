"""The built-in safety floor: the strong red flags, in plain Python, for the fail-safe.

When no ruleset version can be evaluated, the answer must still be no less urgent than
the answers demand. This table is that minimum (the strong flags of CLINICAL.md, both
tables). It depends on nothing that can be broken at run time: no engine, no database,
no published rules; so it is deliberately small and conservative, and clinicians
cannot switch it off in the panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from rules.levels import most_urgent, urgency

# Only these answers are read. `chest_pain`, `difficulty_walking` and `diabetes` are
# optional intake fields (default false) added on another branch: read through
# getattr with a false default, so this module works both before and after that merge.
BOOLEAN_ANSWERS = (
    "saddle_numbness", "bladder_bowel_change", "sexual_dysfunction", "fever",
    "iv_drug_use", "immunosuppressed", "recent_infection", "diabetes",
    "long_term_steroids", "cancer_history", "unexplained_weight_loss", "night_pain",
    "thoracic_pain", "major_trauma", "chest_pain", "difficulty_walking",
)


class Answers:
    """The answers the floor reads, from an Intake or anything with the same names."""

    def __init__(self, intake: Any):
        for name in BOOLEAN_ANSWERS:
            setattr(self, name, getattr(intake, name, False) is True)
        self.age: int | None = getattr(intake, "age", None)
        self.days = getattr(intake, "days_since_onset", None)
        self.leg_pain = getattr(intake, "leg_pain", "none")
        self.leg_weakness = getattr(intake, "leg_weakness", "none")

    @property
    def any_weakness(self) -> bool:
        return self.leg_weakness in ("stable", "worsening")

    @property
    def both_legs(self) -> bool:
        return self.leg_pain == "both_legs"

    @property
    def ces_sign(self) -> bool:
        return self.saddle_numbness or self.bladder_bowel_change or self.sexual_dysfunction

    @property
    def infection_risk(self) -> bool:
        # Revision 2: diabetes and long-term steroids count beside the original three.
        return (self.iv_drug_use or self.immunosuppressed or self.recent_infection
                or self.diabetes or self.long_term_steroids)


class FloorFlag(NamedTuple):
    """One strong flag: a slug, the least urgent safe level, and why, in plain words."""

    slug: str
    level: str
    reason: str
    applies: Callable[[Answers], bool]


# Reasons say what was answered and why it matters, never a time frame: the level's
# own title and message say how soon, so a reason never contradicts them.
_NERVES = "This can be a sign of pressure on the nerves at the base of the spine."
FLAGS: tuple[FloorFlag, ...] = (
    FloorFlag("chest-pain", "emergency_ambulance",
              "You have chest pain as well as back pain. This can be a sign of a problem "
              "with the heart or a major blood vessel.", lambda a: a.chest_pain),
    FloorFlag("saddle-numbness", "emergency",
              "You have numbness or tingling around your genitals, back passage or inner "
              f"thighs. {_NERVES}", lambda a: a.saddle_numbness),
    FloorFlag("bladder-bowel-change", "emergency",
              f"You have a new problem with your bladder or bowels. {_NERVES}",
              lambda a: a.bladder_bowel_change),
    FloorFlag("both-legs-with-weakness", "emergency",
              f"You have symptoms in both legs and a weak leg. {_NERVES}",
              lambda a: a.both_legs and a.any_weakness),
    FloorFlag("sexual-dysfunction-with-leg-signs", "emergency",
              "You have newly lost sexual function or feeling, and have symptoms in both "
              f"legs or a weak leg. {_NERVES}",
              lambda a: a.sexual_dysfunction and (a.both_legs or a.any_weakness)),
    FloorFlag("difficulty-walking-with-nerve-signs", "emergency",
              "You have new difficulty walking, with symptoms in both legs or another sign "
              "of pressure on the nerves at the base of the spine.",
              lambda a: a.difficulty_walking and (a.both_legs or a.ces_sign)),
    FloorFlag("major-trauma", "emergency",
              "Your pain began after a serious accident, fall or blow, so the spine may be "
              "injured.", lambda a: a.major_trauma),
    FloorFlag("cancer-with-nerve-signs", "emergency",
              "You have had cancer, and have a weak leg, difficulty walking, symptoms in "
              "both legs or a bladder or bowel problem. These can be signs of something "
              "pressing on the spinal cord or nerves.",
              lambda a: a.cancer_history and (a.any_weakness or a.difficulty_walking
                                              or a.both_legs or a.bladder_bowel_change)),
    FloorFlag("worsening-weakness", "consultation_24",
              "A weak leg or foot that is getting worse can mean a nerve is being pressed "
              "on more and more.", lambda a: a.leg_weakness == "worsening"),
    FloorFlag("fever-with-infection-signs", "consultation_24",
              "You have a fever together with something that makes an infection of the "
              "spine more likely (a risk factor, pain at night or upper back pain).",
              lambda a: a.fever and (a.infection_risk or a.night_pain or a.thoracic_pain)),
    FloorFlag("infection-risk-with-night-pain", "consultation_24",
              "Something in your health makes an infection of the spine more likely, and "
              "you have pain at night.", lambda a: a.infection_risk and a.night_pain),
    FloorFlag("cancer-with-warning-sign", "consultation_24",
              "You have had cancer, and have pain at night, upper back pain, weight loss or "
              "pain spreading into a leg. A doctor needs to check whether the cancer has "
              "reached the spine.",
              lambda a: a.cancer_history and (
                  a.night_pain or a.thoracic_pain or a.unexplained_weight_loss
                  or a.leg_pain in ("above_knee", "below_knee"))),
    FloorFlag("difficulty-walking", "consultation_24",
              "You have new difficulty walking. This can be a sign of pressure on the "
              "nerves or the spinal cord.", lambda a: a.difficulty_walking),
    FloorFlag("young-child", "consultation_24",
              "Back pain is uncommon in young children: a child under 5 with back pain "
              "needs to be checked by a doctor.",
              lambda a: a.age is not None and a.age < 5),
    FloorFlag("both-legs-recent", "consultation_24",
              "You have had symptoms in both legs for 2 weeks or less. This can be an "
              "early sign of pressure on the nerves at the base of the spine.",
              lambda a: a.both_legs and a.days is not None and a.days <= 14),
)


def floor_flags(intake: Any) -> list[FloorFlag]:
    """Every strong flag that `intake` shows, most urgent first."""
    answers = Answers(intake)
    found = [flag for flag in FLAGS if flag.applies(answers)]
    return sorted(found, key=lambda flag: urgency(flag.level))


def floor_level(intake: Any) -> str:
    """The least urgent level the answers allow; `self_care` when no strong flag shows."""
    return most_urgent(flag.level for flag in floor_flags(intake))
