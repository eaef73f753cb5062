"""The walking plan: from what the person can walk now, up week by week to the target.

The seed's goal is up to three miles of brisk walking a day, about 60 minutes. Trials
build up from about 10 minutes (SWIFT) in steady weekly steps (WalkBack, Lancet 2024).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict

TARGET_MINUTES = 60
DEFAULT_START_MINUTES = 10
WEEKLY_STEP_MINUTES = 5
SHORTEST_START_MINUTES = 5


class WalkingWeek(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between plans: never changed

    week: int
    minutes_per_day: int


def walking_plan(current_minutes: int | None) -> list[WalkingWeek]:
    """Weekly daily minutes, never falling, from near `current_minutes` up to the target."""
    return list(_plan(current_minutes))


@lru_cache(maxsize=1024)
def _plan(current_minutes: int | None) -> tuple[WalkingWeek, ...]:
    start = DEFAULT_START_MINUTES if current_minutes is None else current_minutes
    minutes = max(SHORTEST_START_MINUTES, min(start, TARGET_MINUTES))
    plan = [minutes]
    while minutes < TARGET_MINUTES:
        # Step to the next multiple of 5 so the plan reads 7, 10, 15, ... not 7, 12, 17.
        minutes = min(TARGET_MINUTES, (minutes // WEEKLY_STEP_MINUTES + 1) * WEEKLY_STEP_MINUTES)
        plan.append(minutes)
    return tuple(WalkingWeek(week=i, minutes_per_day=m) for i, m in enumerate(plan, start=1))
