"""What the result page shows, worked out in Python so the templates only lay it out.

Everything here returns plain strings and numbers; the templates escape all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from service.triage.intake import Intake
from service.triage.outcome import AdviceOut, ExerciseOut, Outcome
from service.triage.questionnaire import questionnaire
from service.triage.walking import WalkingWeek

# Drawings in templates/patient/illustrations/, NAME-start.svg and NAME-end.svg (the
# start and end positions); any other slug gets the generic pair.
ILLUSTRATIONS = frozenset({
    "piriformis_stretch", "hamstring_stretch", "walking", "pelvic_tilt", "glute_bridge",
    "bird_dog", "knee_to_chest",
})

# Advice with a place of its own on the page; any other advice is listed after them.
PLACED_ADVICE = ("flare_rest", "stop_signs", "pain_relief")

# Where to find care, linked from the action box. NHS England's own service finders:
# outside England an operator changes these three (and the numbers in ACTIONS).
_SEARCH = "https://www.nhs.uk/service-search/other-services/"
FIND_AE = _SEARCH + "Accident%20and%20emergency%20services/LocationSearch/428"
FIND_URGENT_CARE = _SEARCH + "Urgent%20Care/LocationSearch/1824"
NHS_111_ONLINE = "https://111.nhs.uk/"
FIND_GP = "https://www.nhs.uk/service-search/find-a-gp"


@dataclass(frozen=True)
class Action:
    label: str
    href: str
    kind: str  # "call" (a tel: link, the main button) or "find" (a service finder)


# The one or two things to do first, per level, most important first.
ACTIONS: dict[str, tuple[Action, ...]] = {
    "emergency_ambulance": (Action("Call 999 now", "tel:999", "call"),),
    "emergency": (Action("Find your nearest A&E", FIND_AE, "find"),
                  Action("Call 999 if you cannot get there safely", "tel:999", "call")),
    "consultation_24": (Action("Call 111 if your GP surgery is closed", "tel:111", "call"),
                        Action("Find urgent care near you", FIND_URGENT_CARE, "find"),
                        Action("Use NHS 111 online", NHS_111_ONLINE, "find")),
    "consultation": (Action("Find a GP surgery", FIND_GP, "find"),),
}


def actions(level: str) -> tuple[Action, ...]:
    """What the action box offers for `level` (nothing for self-care)."""
    return ACTIONS.get(level, ())


POSES = (("start", "Start"), ("end", "End"))


def drawing_name(slug: str) -> str:
    """The drawing for an exercise; a slug from the database never names a file itself."""
    return slug if slug in ILLUSTRATIONS else "generic"


def drawings(slug: str) -> list[tuple[str, str]]:
    """(caption, template) of the start and the end position of an exercise's drawing."""
    name = drawing_name(slug)
    return [(caption, f"patient/illustrations/{name}-{pose}.svg") for pose, caption in POSES]


def split_advice(advice: list[AdviceOut]) -> tuple[dict[str, AdviceOut], list[AdviceOut]]:
    """(advice with its own place, by slug; the rest, in order)."""
    placed = {a.slug: a for a in advice if a.slug in PLACED_ADVICE}
    return placed, [a for a in advice if a.slug not in PLACED_ADVICE]


def both_sides(exercise: ExerciseOut) -> bool:
    """Whether the steps say to do it on one side, then the other."""
    words = ("other side", "other leg", "other knee", "each side", "both sides")
    return any(w in step.lower() for step in exercise.instructions for w in words)


def advice_blocks(text: str) -> list[tuple[str, str | list[str]]]:
    """Advice text as ("p", paragraph) and ("ul", items) blocks: blank lines part
    paragraphs and lines starting "- " are list items, as clinicians write them."""
    blocks: list[tuple[str, str | list[str]]] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        prose: list[str] = []
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if prose:
                    blocks.append(("p", " ".join(prose)))
                    prose = []
                items.append(line[2:].strip())
            else:
                if items:
                    blocks.append(("ul", items))
                    items = []
                prose.append(line)
        if prose:
            blocks.append(("p", " ".join(prose)))
        if items:
            blocks.append(("ul", items))
    return blocks


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def dose(exercise: ExerciseOut) -> list[tuple[str, str]]:
    """How much and how often, as (term, description) pairs; absent parts left out."""
    rows = []
    if exercise.hold_seconds:
        rows.append(("Hold", f"{exercise.hold_seconds} seconds"))
    if exercise.reps:
        rows.append(("Repeat", f"{exercise.reps} {'time' if exercise.reps == 1 else 'times'}"))
    if exercise.sets:
        rows.append(("Sets", str(exercise.sets)))
    if exercise.times_per_day:
        rows.append(("How often", f"{_times(exercise.times_per_day).capitalize()} a day"))
    return rows


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    week: int
    minutes: int


CHART_HEIGHT = 100  # the tallest bar, for the most minutes in the plan
BAR_WIDTH, BAR_GAP = 20, 8


def walking_bars(plan: list[WalkingWeek]) -> tuple[list[Bar], int]:
    """Bars for the walking chart, and the drawing's width, in SVG user units."""
    top = max((w.minutes_per_day for w in plan), default=1) or 1
    bars = []
    for i, week in enumerate(plan):
        height = max(2.0, CHART_HEIGHT * week.minutes_per_day / top)
        bars.append(Bar(x=BAR_GAP + i * (BAR_WIDTH + BAR_GAP), y=20 + CHART_HEIGHT - height,
                        height=height, week=week.week, minutes=week.minutes_per_day))
    return bars, BAR_GAP + len(plan) * (BAR_WIDTH + BAR_GAP)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # the database hands back UTC without its zone
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def day(moment: datetime) -> str:
    """A date for people: "3 March 2026"."""
    moment = _utc(moment)
    return f"{moment.day} {moment:%B %Y}"


def when(moment: datetime | None) -> str:
    """A timestamp for people: "3 March 2026 at 14:05 UTC"."""
    if moment is None:
        return "today"
    moment = _utc(moment)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def _choice_label(question: dict, value: str) -> str:
    return next((c["label"] for c in question.get("choices", []) if c["value"] == value), value)


def warning_signs(intake: Intake) -> list[str]:
    """The safety questions answered with a warning sign, in the patient's own question."""
    signs = []
    for q in questionnaire()["questions"]:
        if q["section"] != "safety":
            continue
        value = getattr(intake, q["id"])
        if q["type"] == "boolean" and value:
            signs.append(f"{q['label']} Yes")
        elif q["type"] == "choice" and value != q["choices"][0]["value"]:
            signs.append(f"{q['label']} {_choice_label(q, value)}")
        elif q["type"] == "integer" and value is not None:
            signs.append(f"{q['label']} {value}")
    return signs


def doctor_summary(intake: Intake | None, outcome: Outcome) -> list[tuple[str, str | list[str]]]:
    """The answers that matter to a doctor, as (what, answer) rows (none without answers)."""
    if intake is None:
        return []
    questions = {q["id"]: q for q in questionnaire()["questions"]}
    days = intake.days_since_onset
    started = "Today" if days == 0 else f"{days} {'day' if days == 1 else 'days'} ago"
    rows: list[tuple[str, str | list[str]]] = [
        ("Age", f"{intake.age}"),
        ("Sex", _choice_label(questions["sex"], intake.sex)),
        ("Worst pain, last 24 hours", f"{intake.pain_score} out of 10"),
        ("This episode started", started),
        ("Pain into the leg", _choice_label(questions["leg_pain"], intake.leg_pain)),
        ("Weak leg or foot", _choice_label(questions["leg_weakness"], intake.leg_weakness)),
        ("Warning signs answered yes", warning_signs(intake) or "None"),
    ]
    if intake.walking_minutes is not None:
        rows.append(("Can walk comfortably for", f"{intake.walking_minutes} minutes"))
    sb = outcome.start_back
    rows.append(("STarT Back group", "Not answered" if sb is None else
                 f"{sb.risk.capitalize()} risk (total {sb.total} of 9, "
                 f"psychosocial {sb.psychosocial} of 5)"))
    return rows
