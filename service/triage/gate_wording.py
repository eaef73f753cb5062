"""The safety probes in a clinician's words: who the probe is, and what each side says.

Used by the publish page and by the audit log, so both say the same thing. A field with
no short phrase here (one added to the intake later) is still named, from its own name.
"""

from __future__ import annotations

from rules.probes import Answer, Probe
from rules.safety import ProbeChange, RuleChange

# What the patient is told, shortest form: for lists and labels.
LEVEL_SHORT = {"emergency_ambulance": "Call 999", "emergency": "A&E now",
               "consultation_24": "GP today", "consultation": "GP within 2 weeks",
               "self_care": "Home care"}
# The same, as a sentence part: "live: go to A&E now; draft: ...".
LEVEL_PHRASE = {"emergency_ambulance": "call 999 now", "emergency": "go to A&E now",
                "consultation_24": "see a GP today",
                "consultation": "see a GP within 2 weeks",
                "self_care": "look after your back at home"}

YES_PHRASES = {
    "saddle_numbness": "numbness around the genitals or back passage",
    "bladder_bowel_change": "a new bladder or bowel problem",
    "sexual_dysfunction": "new loss of sexual function",
    "fever": "fever or night sweats",
    "iv_drug_use": "injecting drugs",
    "immunosuppressed": "a weakened immune system",
    "recent_infection": "a recent infection, spinal surgery or spinal injection",
    "cancer_history": "cancer in the past",
    "unexplained_weight_loss": "weight loss without trying",
    "night_pain": "pain at rest or at night",
    "thoracic_pain": "upper back pain",
    "major_trauma": "a serious accident or fall",
    "minor_trauma": "a minor fall or strain",
    "osteoporosis": "osteoporosis",
    "long_term_steroids": "long-term steroid tablets",
    "chest_pain": "chest pain",
    "difficulty_walking": "new difficulty walking",
    "diabetes": "diabetes",
    "buttock_pain_sitting": "buttock pain when sitting",
    "hamstring_tightness": "tight hamstrings",
}
CHOICE_PHRASES = {
    "leg_pain": {"none": "no leg pain", "above_knee": "pain into the thigh",
                 "below_knee": "pain below the knee", "both_legs": "symptoms in both legs"},
    "leg_weakness": {"none": "no leg weakness", "stable": "a weak leg, not getting worse",
                     "worsening": "a leg getting weaker"},
    "start_back_risk": {"not_answered": "no STarT Back answers",
                        "low": "STarT Back low risk", "medium": "STarT Back medium risk",
                        "high": "STarT Back high risk"},
}
NUMBER_PHRASES = {"age": "aged {}", "days_since_onset": "day {} of the episode",
                  "pain_score": "pain {} out of 10", "cancer_years_ago": "cancer {} years ago",
                  "walking_minutes": "walks {} minutes"}

CHANGE_PHRASES = {"removed": "deleted", "added": "added", "switched_off": "switched off",
                  "switched_on": "switched on", "no_longer_refers": "no longer refers",
                  "now_refers": "now refers", "conditions": "its conditions changed",
                  "withholds_routine": "now holds back the exercises",
                  "releases_routine": "no longer holds back the exercises",
                  "changed": "changed"}


def _words(name: str) -> str:
    return name.replace("_", " ")


def answer_words(answer: Answer) -> str:
    """One answer, e.g. 'numbness around the genitals or back passage' or 'aged 15'."""
    name, value = answer.field, answer.value
    if isinstance(value, bool):
        phrase = YES_PHRASES.get(name, _words(name))
        return phrase if value else f"no {phrase}"
    if isinstance(value, int):
        return NUMBER_PHRASES.get(name, _words(name) + " {}").format(value)
    return CHOICE_PHRASES.get(name, {}).get(value, f"{_words(name)}: {_words(value)}")


def probe_answers(probe: Probe) -> str:
    """The risk answers of a probe: 'X alone', 'X with Y', or 'no warning signs'."""
    if not probe.answers:
        return "no warning signs"
    parts = [answer_words(a) for a in probe.answers]
    return parts[0] + " alone" if len(parts) == 1 else " with ".join(parts)


def probe_person(probe: Probe) -> str:
    """Who the probe is, from its baseline, leaving out what its answers override."""
    overridden = {a.field for a in probe.answers}
    return ", ".join(answer_words(Answer(k, v)) for k, v in probe.baseline.values
                     if k not in overridden and k != "pain_score")


def verdict_words(verdict: tuple[str, bool]) -> str:
    """What a person is told: 'go to A&E now', 'see a GP within 2 weeks, with exercises'."""
    level, routine = verdict
    phrase = LEVEL_PHRASE.get(level, _words(level))
    if level == "consultation":
        phrase += ", with the exercises" if routine else ", no exercises"
    elif level == "self_care" and not routine:
        phrase += ", no exercises"
    return phrase


def change_words(change: RuleChange) -> str:
    """E.g. 'rule "Cauda equina: numbness ..." switched off'."""
    parts = []
    for kind in change.kinds:
        if kind == "level":
            parts.append(f"now says {LEVEL_SHORT.get(change.after, change.after)} "
                         f"(was {LEVEL_SHORT.get(change.before, change.before)})")
        else:
            parts.append(CHANGE_PHRASES.get(kind, _words(kind)))
    return f"rule “{change.name}” " + " and ".join(parts)


def causes_words(causes: tuple[RuleChange, ...]) -> str:
    """The rule changes behind a probe change, in one line."""
    return "; ".join(change_words(c) for c in causes) or "other changes"


def probe_change_words(change: ProbeChange) -> dict:
    """One probe change as the audit log keeps it: all words."""
    return {"who": probe_person(change.probe), "answers": probe_answers(change.probe),
            "live": verdict_words(change.live), "draft": verdict_words(change.draft),
            "because": causes_words(change.causes)}
