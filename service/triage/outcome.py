"""The outcome a patient gets back, and how fired rules become one.

Assembly enforces the contract whatever the rules say: the most urgent level wins,
nobody at `consultation_24` or above gets a routine, and every routine has walking, a
walking plan, stop signs, flare rest only in days 0-2, and a core exercise from day 3.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from rules.levels import ROUTINE_LEVELS, most_urgent, urgency
from rules.schema import AddAdvice, IncludeExercise, KnowledgeBase, Refer
from service.triage.intake import Intake
from service.triage.walking import WalkingWeek, walking_plan

log = logging.getLogger(__name__)

LEVEL_GUIDANCE: dict[str, tuple[str, str, str]] = {
    # level: (title, time frame, what to do)
    "emergency_ambulance": (
        "Call an ambulance now", "now",
        "Call 999 (or your local emergency number) for an ambulance now."),
    "emergency": (
        "Go to an emergency department now", "now",
        "Go to an emergency department (A&E) now. If you cannot get there safely, call 999."),
    "consultation_24": (
        "See a doctor today", "within 24 hours",
        "Contact your GP surgery or an urgent care service and see a doctor today, within "
        "24 hours."),
    "consultation": (
        "Book an appointment with a doctor or physiotherapist", "within about 2 weeks",
        "Book an appointment with your GP or a physiotherapist within about 2 weeks."),
}

START_BACK_MEANING = {
    "low": "Low risk: self-management with the routine and advice is likely to be enough.",
    "medium": "Medium risk: physiotherapy is likely to help you recover.",
    "high": "High risk: physiotherapy with extra support for worries and mood is likely "
            "to help most.",
}


class ExerciseOut(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between outcomes: never changed

    slug: str
    name: str
    category: str
    purpose: str = ""
    instructions: list[str]
    hold_seconds: int | None = None
    reps: int | None = None
    sets: int | None = None
    times_per_day: int | None = None
    cautions: list[str] = []
    illustration: str = ""


class AdviceOut(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between outcomes: never changed

    slug: str
    title: str
    text: str


class Routine(BaseModel):
    exercises: list[ExerciseOut]
    advice: list[AdviceOut]
    walking_plan: list[WalkingWeek]


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between outcomes: never changed

    rule: str
    text: str
    # False when the rule fired but what it does is not part of this outcome, e.g. a
    # routine rule for someone given no routine: kept in `reasons` for audit, not shown.
    applies: bool = True


class Referral(BaseModel):
    level: str
    title: str
    time_frame: str
    message: str
    reasons: list[Reason]


class StartBackResult(BaseModel):
    total: int
    psychosocial: int
    risk: str
    meaning: str


class Outcome(BaseModel):
    """What the patient gets: one triage level, and a referral or a routine or both."""

    id: str
    triage_level: str
    referral: Referral | None
    routine: Routine | None
    reasons: list[Reason]
    ruleset_version: int | None
    start_back: StartBackResult | None = None
    created_at: datetime | None = None


class RoutineError(RuntimeError):
    """The library lacks something every routine must have."""


def _start_back(intake: Intake) -> StartBackResult | None:
    sb = intake.start_back
    if sb is None:
        return None
    return StartBackResult(total=sb.total, psychosocial=sb.psychosocial, risk=sb.risk,
                           meaning=START_BACK_MEANING[sb.risk])


class Assembler:
    """One version's knowledge base, indexed once, turning fired rules into outcomes.

    Everything that depends only on the version (each rule's reason, each exercise and
    advice as the patient sees it, dosed variants, display order) is built here once,
    so an assessment only picks and orders; the shared parts are immutable models.
    """

    def __init__(self, kb: KnowledgeBase, version: int | None):
        self.kb = kb
        self.version = version
        self.rules = {r.slug: r for r in kb.rules}
        self.reasons = {r.slug: Reason(rule=r.slug, text=r.reason) for r in kb.rules}
        self.unapplied = {r.slug: Reason(rule=r.slug, text=r.reason, applies=False)
                          for r in kb.rules}
        self.exercises = {e.slug: ExerciseOut(**e.model_dump(exclude={"display_order"}))
                          for e in kb.exercises}
        self.advice = {a.slug: AdviceOut(slug=a.slug, title=a.title, text=a.text)
                       for a in kb.advice}
        # A rule that doses an exercise: its variant, made once.
        self.dosed = {
            r.slug: self.exercises[r.action.exercise].model_copy(
                update=r.action.dose.model_dump(exclude_none=True))
            for r in kb.rules
            if isinstance(r.action, IncludeExercise) and r.action.dose
            and r.action.exercise in self.exercises
        }
        self.exercise_order = {e.slug: (e.display_order, i) for i, e in enumerate(kb.exercises)}
        self.advice_order = {a.slug: (a.slug != "stop_signs", a.display_order, i)
                             for i, a in enumerate(kb.advice)}
        core = sorted((e for e in kb.exercises if e.category == "core"),
                      key=lambda e: e.display_order)
        self.first_core = core[0].slug if core else None

    def assemble(self, reference: str, fired: list[str], intake: Intake) -> Outcome:
        """Turn the slugs of the rules that fired into the patient's outcome."""
        fired_rules = [self.rules[slug] for slug in fired]
        referrals = sorted((r for r in fired_rules if isinstance(r.action, Refer)),
                           key=lambda r: urgency(r.action.level))
        level = most_urgent(r.action.level for r in referrals)
        referral = None
        if referrals:
            title, time_frame, _instruction = LEVEL_GUIDANCE[level]
            referral = Referral(
                level=level, title=title, time_frame=time_frame,
                # The most urgent rule's own words: clinicians write them with the time frame.
                message=referrals[0].action.message,
                reasons=[self.reasons[r.slug] for r in referrals],
            )
        withheld = any(r.action.withhold_routine for r in referrals)
        routine = None
        if level in ROUTINE_LEVELS and not withheld:
            routine = self._routine(fired_rules, intake)
        return Outcome(id=reference, triage_level=level, referral=referral, routine=routine,
                       reasons=[self._reason(rule, routine) for rule in fired_rules],
                       ruleset_version=self.version, start_back=_start_back(intake))

    def _reason(self, rule, routine: Routine | None) -> Reason:
        """The rule's reason, marked as not applying when its action is not in the outcome."""
        action = rule.action
        if isinstance(action, Refer):
            applies = True
        elif isinstance(action, IncludeExercise):
            applies = routine is not None and any(e.slug == action.exercise
                                                  for e in routine.exercises)
        else:
            applies = routine is not None and any(a.slug == action.advice
                                                  for a in routine.advice)
        return self.reasons[rule.slug] if applies else self.unapplied[rule.slug]

    def _routine(self, fired_rules: list, intake: Intake) -> Routine:
        chosen: dict[str, ExerciseOut] = {}
        advised: list[str] = []
        for rule in fired_rules:
            action = rule.action
            if isinstance(action, IncludeExercise) and action.exercise in self.exercises:
                if action.dose:
                    base = chosen.get(action.exercise)
                    if base is None:  # the usual case: the variant made when the version loaded
                        chosen[action.exercise] = self.dosed[rule.slug]
                    else:  # a second dose for the same exercise overrides only what it sets
                        chosen[action.exercise] = base.model_copy(
                            update=action.dose.model_dump(exclude_none=True))
                else:
                    chosen.setdefault(action.exercise, self.exercises[action.exercise])
            elif isinstance(action, AddAdvice) and action.advice not in advised:
                advised.append(action.advice)

        def require(found: bool, what: str, add) -> None:
            if not found:
                log.warning("routine lacked %s; added by the contract safety net", what)
                add()

        def add_exercise(slug: str | None, what: str) -> None:
            if slug not in self.exercises:
                raise RoutineError(f"the library has no {what} exercise")
            chosen[slug] = self.exercises[slug]

        def add_advice(slug: str) -> None:
            if slug not in self.advice:
                raise RoutineError(f"the library has no '{slug}' advice")
            advised.append(slug)

        flare = intake.days_since_onset <= 2
        require("walking" in chosen, "walking", lambda: add_exercise("walking", "'walking'"))
        require("stop_signs" in advised, "stop_signs", lambda: add_advice("stop_signs"))
        if flare:
            require("flare_rest" in advised, "flare_rest", lambda: add_advice("flare_rest"))
        elif "flare_rest" in advised:
            # The day itself is a health answer: it stays out of the log.
            log.warning("flare_rest fired after the first two days; removed")
            advised.remove("flare_rest")
        if not flare and not any(e.category == "core" for e in chosen.values()):
            require(False, "a core exercise", lambda: add_exercise(self.first_core, "core"))

        return Routine(
            exercises=sorted(chosen.values(), key=lambda e: self.exercise_order[e.slug]),
            advice=[self.advice[s] for s in sorted(advised, key=self.advice_order.__getitem__)
                    if s in self.advice],
            walking_plan=walking_plan(intake.walking_minutes),
        )


def assemble(reference: str, version: int | None, kb: KnowledgeBase, fired: list[str],
             intake: Intake) -> Outcome:
    """Turn the slugs of the rules that fired into the patient's outcome (one-off)."""
    return Assembler(kb, version).assemble(reference, fired, intake)
