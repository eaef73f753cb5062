"""Synthetic history: random valid intakes, for tests, benchmarks and demonstrations.

The same generator feeds the differential tests (tests/rules/generators.py) and
`sciatica-triage generate-history`, which fills a database with N made-up intakes, each
assessed by the published version, so a what-if has a year of history to replay.
Synthetic references start with `SY-`, so they can never be mistaken for a patient's.
With `checkins`, a share of the people given a routine also follow it for a few weeks:
their weekly check-ins are assessed and stored as the check-in page would store them.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import insert, select

from service.extensions import db
from service.followup.models import Checkin
from service.store.models import RulesetVersion, TriageRecord, utcnow
from service.store.records import EncodedJSON
from service.triage.intake import INTAKE_VOCABULARY, Intake

BATCH = 2000


def random_intake(rng: random.Random) -> Intake:
    """A random but valid intake, optional answers sometimes left out."""
    data = {
        "age": rng.randint(0, 120),
        "sex": rng.choice(["female", "male", "other", "unspecified"]),
        "days_since_onset": rng.choice([0, 1, 2, 3, 7, 14, 30, 90, 400]),
        "pain_score": rng.randint(0, 10),
        "leg_pain": rng.choice(["none", "above_knee", "below_knee", "both_legs"]),
        "leg_weakness": rng.choice(["none", "none", "stable", "worsening"]),
    }
    for name, spec in INTAKE_VOCABULARY.items():
        if spec.kind == "boolean":
            data[name] = rng.random() < 0.15  # red flags are rare
    if rng.random() < 0.5:
        data["cancer_years_ago"] = rng.randint(0, 40)
    if rng.random() < 0.7:
        data["walking_minutes"] = rng.randint(0, 120)
    if rng.random() < 0.4:
        data["start_back"] = {f"q{i}": rng.random() < 0.4 for i in range(1, 9)}
        data["start_back"]["q9"] = rng.choice(
            ["not_at_all", "slightly", "moderately", "very_much", "extremely"])
    return Intake.model_validate(data)


def random_answers(rng: random.Random) -> dict:
    """A random valid intake as a client would send it (JSON types, unanswered left out)."""
    return random_intake(rng).model_dump(mode="json", exclude={"start_back_risk"},
                                         exclude_none=True)


def random_week(rng: random.Random, intake: Intake, plan, spreading: list[str]) -> dict:
    """One week's check-in answers: pain drifting from the start, walking near the plan,
    and now and then an exercise that spread the pain or a new warning sign."""
    from service.followup.checkin import NO_EXERCISE
    from service.followup.vignettes import complete

    week = {
        "pain_now": max(0, min(10, intake.pain_score + rng.choice([-3, -2, -1, -1, 0, 0, 1, 2]))),
        "walking_minutes": max(0, plan.walking_minutes + rng.choice([-10, -5, 0, 0, 5, 10])),
        "exercise_days": rng.randint(0, 7),
        "skipped_for_pain": rng.random() < 0.1,
        "spreading_exercise": rng.choice(spreading) if rng.random() < 0.05 else NO_EXERCISE,
    }
    if rng.random() < 0.03:  # a new warning sign
        week[rng.choice(["saddle_numbness", "bladder_bowel_change", "fever",
                         "unexplained_weight_loss", "night_pain"])] = True
    return complete(intake.model_dump(mode="json", exclude_none=True), week)


def random_course(rng: random.Random, loaded, intake: Intake, outcome, reference: str,
                  sent, now, weeks: int) -> list[dict]:
    """Up to `weeks` weekly check-ins after `outcome` (none past `now`), each assessed by
    `loaded` and shaped as the check-in page stores it (record_id left out)."""
    from service.followup.checkin import CheckinAnswers
    from service.followup.course import CourseClosed, start_state
    from service.followup.retriage import (
        CHECKIN_EVERY_DAYS,
        assess_checkin,
        closes_course,
        next_state,
        spreading_choices,
    )

    try:
        state = start_state(intake, outcome)
    except CourseClosed:
        return []
    rows = []
    for week in range(1, weeks + 1):
        when = sent + timedelta(days=CHECKIN_EVERY_DAYS * week)
        if when > now:
            break
        spreading = [value for value, _label in spreading_choices(state.plan)][1:]
        answers = CheckinAnswers.model_validate(random_week(rng, intake, state.plan, spreading))
        days = CHECKIN_EVERY_DAYS * week
        told, facts = assess_checkin(loaded, state, answers, reference, days, when.date())
        told = told.model_copy(update={"created_at": when})
        rows.append({"week": week, "created_at": when, "answers": answers.model_dump(mode="json"),
                     "facts": facts.model_dump(), "outcome": told.model_dump(mode="json"),
                     "triage_level": told.triage_level,
                     "ruleset_version": told.ruleset_version})
        if closes_course(told.triage_level):
            break
        state = next_state(state, told, facts)
    return rows


def generate_history(count: int, days: int = 365, seed: int | None = None,
                     progress=None, checkins: float = 0.0) -> int:
    """Store `count` synthetic intakes spread over the last `days` days; return the count.

    With `checkins` (a share, 0 to 1), that share of the people given a routine also
    check in weekly, for one to eight weeks (none in the future).

    Each is assessed by the published version, so its stored level is what the service
    would have said. The stored outcome is slim (level, version, reasons): what a
    what-if compares, without a routine's kilobytes per row.
    """
    from service.triage.ruleset import LoadedVersion

    row = db.session.scalar(select(RulesetVersion).order_by(RulesetVersion.version.desc())
                            .limit(1))
    if row is None:
        raise RuntimeError("nothing is published yet: run `sciatica-triage init-db` first")
    from rules.schema import KnowledgeBase

    loaded = LoadedVersion(row.version, KnowledgeBase.model_validate(row.snapshot),
                           prefix=f"synthetic_{secrets.token_hex(4)}")
    rng = random.Random(seed)
    run = secrets.token_hex(2).upper()
    now = utcnow()
    span = timedelta(days=days).total_seconds()
    stored = 0
    try:
        while stored < count:
            rows, courses = [], {}
            for i in range(stored, min(count, stored + BATCH)):
                intake = random_intake(rng)
                reference = f"SY-{run}-{i:07d}"
                sent = now - timedelta(seconds=span * (1 - i / count))
                outcome = loaded.assess(intake, reference)
                followed = (checkins and outcome.routine is not None
                            and rng.random() < checkins)
                if followed:  # a course reads the whole outcome back, routine and all
                    courses[reference] = random_course(rng, loaded, intake, outcome,
                                                       reference, sent, now,
                                                       rng.randint(1, 8))
                    kept = outcome.model_dump_json()
                else:
                    kept = outcome.model_dump_json(include={"id", "triage_level",
                                                            "ruleset_version", "reasons"})
                rows.append({
                    "reference": reference,
                    "created_at": sent,
                    "intake": EncodedJSON(intake.model_dump_json(exclude={"start_back_risk"})),
                    "outcome": EncodedJSON(kept),
                    "triage_level": outcome.triage_level,
                    "ruleset_version": row.version,
                })
            with db.engine.begin() as connection:
                connection.execute(insert(TriageRecord), rows)
                if courses:
                    _store_courses(connection, courses)
            stored += len(rows)
            if progress:
                progress(stored)
    finally:
        loaded.close()
    return stored


def _store_courses(connection, courses: dict[str, list[dict]]) -> None:
    """Insert the check-ins of each reference's course, under its record's id."""
    ids = dict(connection.execute(select(TriageRecord.reference, TriageRecord.id)
                                  .where(TriageRecord.reference.in_(list(courses)))).all())
    rows = [{**checkin, "record_id": ids[reference]}
            for reference, course in courses.items() for checkin in course]
    if rows:
        connection.execute(insert(Checkin), rows)
