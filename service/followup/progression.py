"""Next week's plan from this week's: the walking minutes and the exercise doses.

Walking (CLINICAL.md; WalkBack, Lancet 2024): the next step up when the person walked
this week's minutes on most days, the same minutes again when not; never more than the
target (about 60 minutes, the seed's three miles), never less than this week's plan nor
less than what they already manage. Exercise doses rise by each exercise's clinician-set
steps after a week done on at least `DOSE_STEP_MIN_DAYS` days, never past their ceilings.
When a course rule referred (pain worse, spreading, exercises skipped for pain) nothing
steps up that week. Pure Python: no Flask, no database.
"""

from __future__ import annotations

from rules.schema import PROGRESSED_DOSES, Exercise
from service.followup.plan import PlannedExercise, WeekPlan
from service.triage.outcome import ExerciseOut, Routine
from service.triage.walking import TARGET_MINUTES, WEEKLY_STEP_MINUTES

# ACSM 2021: flexibility and strength work on at least 2-3 days a week; fewer days is not
# yet a week to build on.
DOSE_STEP_MIN_DAYS = 3
WALKING = "walking"


def step_up(minutes: int) -> int:
    """The next weekly walking step: the next multiple of 5, at most the target."""
    return min(TARGET_MINUTES, (minutes // WEEKLY_STEP_MINUTES + 1) * WEEKLY_STEP_MINUTES)


def next_walking(planned: int, managed: int, hold: bool) -> int:
    """Next week's daily walking minutes."""
    nxt = step_up(planned) if managed >= planned and not hold else planned
    return min(TARGET_MINUTES, max(nxt, min(managed, TARGET_MINUTES)))


def _planned(exercise: ExerciseOut, steps: int) -> PlannedExercise:
    return PlannedExercise(**exercise.model_dump(), steps=steps)


def first_plan(routine: Routine) -> WeekPlan:
    """Week 1 of a course: the routine the intake gave, at its first walking week."""
    return WeekPlan(
        week=1, walking_minutes=routine.walking_plan[0].minutes_per_day,
        exercises=[_planned(e, 0) for e in routine.exercises if e.slug != WALKING])


def dosed(exercise: ExerciseOut, library: Exercise | None, steps: int) -> PlannedExercise:
    """`exercise` after `steps` weekly steps of its library progression, capped."""
    update = {}
    for dose in PROGRESSED_DOSES:
        base = getattr(exercise, dose)
        step = getattr(library, f"{dose}_step", None) if library else None
        top = getattr(library, f"{dose}_max", None) if library else None
        if base is not None and step and top is not None:
            update[dose] = max(base, min(top, base + steps * step))
    return PlannedExercise(**exercise.model_copy(update=update).model_dump(), steps=steps)


def next_plan(current: WeekPlan, routine: Routine, library: dict[str, Exercise],
              managed_minutes: int, exercise_days: int, hold: bool,
              stop: str | None = None) -> WeekPlan:
    """The plan for the week after `current`, from this check-in's routine and answers.

    `routine` is what the rules give today (so a newly fired exercise rule joins);
    exercises whose `unlock_week` has come join too; `stop` and any exercise stopped
    before stay out for the rest of the course.
    """
    week = current.week + 1
    stopped = list(current.stopped) + ([stop] if stop and stop != WALKING
                                        and stop not in current.stopped else [])
    chosen: dict[str, ExerciseOut] = {e.slug: e for e in routine.exercises if e.slug != WALKING}
    for item in library.values():
        if item.unlock_week is not None and item.unlock_week <= week and item.slug != WALKING:
            chosen.setdefault(item.slug, ExerciseOut(**item.model_dump()))
    before = {e.slug: e.steps for e in current.exercises}
    step = not hold and exercise_days >= DOSE_STEP_MIN_DAYS
    exercises = [
        dosed(e, library.get(slug), before.get(slug, 0) + (step and slug in before))
        for slug, e in chosen.items() if slug not in stopped
    ]
    order = {slug: (item.display_order, i) for i, (slug, item) in enumerate(library.items())}
    exercises.sort(key=lambda e: order.get(e.slug, (1 << 30, 0)))
    return WeekPlan(week=week, walking_minutes=next_walking(
        current.walking_minutes, managed_minutes, hold or stop == WALKING),
        exercises=exercises, stopped=stopped)
