"""Synthetic history: random valid intakes, for tests, benchmarks and demonstrations.

The same generator feeds the differential tests (tests/rules/generators.py) and
`sciatica-triage generate-history`, which fills a database with N made-up intakes, each
assessed by the published version, so a what-if has a year of history to replay.
Synthetic references start with `SY-`, so they can never be mistaken for a patient's.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import insert, select

from service.extensions import db
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


def generate_history(count: int, days: int = 365, seed: int | None = None,
                     progress=None) -> int:
    """Store `count` synthetic intakes spread over the last `days` days; return the count.

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
            rows = []
            for i in range(stored, min(count, stored + BATCH)):
                intake = random_intake(rng)
                reference = f"SY-{run}-{i:07d}"
                outcome = loaded.assess(intake, reference)
                slim = outcome.model_dump_json(include={"id", "triage_level",
                                                        "ruleset_version", "reasons"})
                rows.append({
                    "reference": reference,
                    "created_at": now - timedelta(seconds=span * (1 - i / count)),
                    "intake": EncodedJSON(intake.model_dump_json(exclude={"start_back_risk"})),
                    "outcome": EncodedJSON(slim),
                    "triage_level": outcome.triage_level,
                    "ruleset_version": row.version,
                })
            with db.engine.begin() as connection:
                connection.execute(insert(TriageRecord), rows)
            stored += len(rows)
            if progress:
                progress(stored)
    finally:
        loaded.close()
    return stored
