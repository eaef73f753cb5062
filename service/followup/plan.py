"""A week's plan in a follow-up course, and the outcome of one check-in, as stored and sent."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from service.triage.outcome import ExerciseOut, Reason, Referral


class PlannedExercise(ExerciseOut):
    """An exercise at this week's dose; `steps` is how many times its dose has risen."""

    steps: int = 0


class WeekPlan(BaseModel):
    """What to do in one week of the course."""

    week: int
    walking_minutes: int
    exercises: list[PlannedExercise]
    stopped: list[str] = []  # exercises stopped because they sent pain down the leg


class CheckinOutcome(BaseModel):
    """What one check-in told the person: a referral, next week's plan, or both."""

    reference: str
    week: int
    triage_level: str
    referral: Referral | None
    reasons: list[Reason]
    stop_exercise: str | None = None  # the exercise to stop now (it spread the pain)
    stop_exercise_name: str | None = None
    held: bool = False  # a course rule referred: the plan does not step up this week
    early: bool = False  # sent before a week had passed: the plan does not step up
    plan: WeekPlan | None  # next week's plan; None when no routine may be given
    next_checkin: date | None
    ruleset_version: int | None
    created_at: datetime | None = None
