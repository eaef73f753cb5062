"""The progress chart, drawn on the server: pain and daily walking minutes by week.

Plain SVG, no script: it works without JavaScript, scales to a 375 px phone, and prints.
A table beside it carries the same numbers for screen readers and print.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.triage.walking import TARGET_MINUTES

WIDTH, HEIGHT = 320, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 34, 12, 30  # room for the axis labels


@dataclass(frozen=True)
class Row:
    """One point of the course: the start (week 0) or a check-in."""

    week: int
    label: str  # "Start" or "Week 2"
    when: str
    pain: int
    walking: int  # minutes a day managed (the start: what they said they could walk)
    level: str


def _x(week: int, last: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return round(LEFT + span * (week / last if last else 0.5), 1)


def _y(value: float, top_value: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return round(TOP + span * (1 - min(value, top_value) / top_value), 1)


def chart(rows: list[Row]) -> dict:
    """Coordinates for the template: two polylines, points, and the axis ticks."""
    last = max((r.week for r in rows), default=0)
    pain = [(_x(r.week, last), _y(r.pain, 10), r.pain) for r in rows]
    walking = [(_x(r.week, last), _y(r.walking, TARGET_MINUTES), r.walking) for r in rows]
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
        "top": TOP, "bottom": HEIGHT - BOTTOM,
        "pain": pain, "walking": walking,
        "pain_line": " ".join(f"{x},{y}" for x, y, _ in pain),
        "walking_line": " ".join(f"{x},{y}" for x, y, _ in walking),
        "pain_ticks": [(v, _y(v, 10)) for v in (0, 5, 10)],
        "walking_ticks": [(v, _y(v, TARGET_MINUTES)) for v in (0, 30, 60)],
        "weeks": [(_x(r.week, last), "S" if r.week == 0 else str(r.week)) for r in rows],
    }
