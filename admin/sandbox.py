"""Running the draft without publishing it: "Try it" for one intake, "What-if" for many.

Each run compiles the draft into its own engine under a unique name and frees it after,
so nothing a clinician tries can touch the version patients are getting.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from rules.levels import urgency
from rules.schema import KnowledgeBase, knowledge_base_problems
from service.store.models import TriageRecord
from service.triage.gate_wording import LEVEL_SHORT
from service.triage.intake import VOCABULARY, Intake
from service.triage.knowledge import draft_knowledge_base
from service.triage.outcome import Outcome
from service.triage.ruleset import LoadedVersion


class DraftInvalid(Exception):
    """The draft cannot run: `problems` says why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@contextmanager
def draft_engine(kb: KnowledgeBase | None = None) -> Iterator[LoadedVersion]:
    """The draft (or `kb`) compiled into a private engine, closed on leaving."""
    kb = kb if kb is not None else draft_knowledge_base()
    problems = knowledge_base_problems(kb, VOCABULARY)
    if problems:
        raise DraftInvalid(problems)
    loaded = LoadedVersion(0, kb, prefix=f"sandbox_{uuid.uuid4().hex[:8]}")
    try:
        yield loaded
    finally:
        loaded.close()


DOSE = ("hold_seconds", "reps", "sets", "times_per_day")


def outcome_differences(now: Outcome, draft: Outcome) -> list[str]:
    """What the draft would tell this person differently from now, in short sentences."""
    changes = []
    if now.triage_level != draft.triage_level:
        changes.append(f"told: {LEVEL_SHORT[now.triage_level]} → "
                       f"{LEVEL_SHORT[draft.triage_level]}")
    if (now.routine is None) != (draft.routine is None):
        changes.append("a routine is given" if draft.routine else "no routine any more")
    before = {e.slug: e for e in (now.routine.exercises if now.routine else [])}
    after = {e.slug: e for e in (draft.routine.exercises if draft.routine else [])}
    for slug in after.keys() - before.keys():
        changes.append(f"exercise added: {after[slug].name}")
    for slug in before.keys() - after.keys():
        changes.append(f"exercise removed: {before[slug].name}")
    for slug in before.keys() & after.keys():
        for name in DOSE:
            old, new = getattr(before[slug], name), getattr(after[slug], name)
            if old != new:
                changes.append(f"{after[slug].name}: {name.replace('_', ' ')} {old} → {new}")
    fired_now = {r.rule for r in now.reasons}
    fired_draft = {r.rule for r in draft.reasons}
    changes += [f"rule now fires: {slug}" for slug in sorted(fired_draft - fired_now)]
    changes += [f"rule no longer fires: {slug}" for slug in sorted(fired_now - fired_draft)]
    return changes


@dataclass
class LevelChange:
    reference: str
    created_at: datetime
    version: int | None
    old: str
    new: str
    fired: list[str]

    @property
    def less_urgent(self) -> bool:
        return urgency(self.new) > urgency(self.old)


@dataclass
class WhatIf:
    """How the draft would have answered stored intakes, compared with what they got."""

    replayed: int = 0
    skipped: list[str] = field(default_factory=list)  # references that no longer validate
    changes: list[LevelChange] = field(default_factory=list)

    @property
    def less_urgent(self) -> int:
        return sum(c.less_urgent for c in self.changes)

    @property
    def more_urgent(self) -> int:
        return len(self.changes) - self.less_urgent

    @property
    def transitions(self) -> list[tuple[str, str, int]]:
        counts = Counter((c.old, c.new) for c in self.changes)
        return [(old, new, n) for (old, new), n in counts.most_common()]


def replay(loaded: LoadedVersion, records: list[TriageRecord]) -> WhatIf:
    """Assess each stored intake with `loaded` and collect the changes of level."""
    report = WhatIf()
    for record in records:
        try:
            intake = Intake.model_validate(record.intake)
        except ValidationError:
            report.skipped.append(record.reference)
            continue
        outcome = loaded.assess(intake, reference=record.reference)
        report.replayed += 1
        if outcome.triage_level != record.triage_level:
            report.changes.append(LevelChange(
                record.reference, record.created_at, record.ruleset_version,
                record.triage_level, outcome.triage_level,
                [r.rule for r in outcome.reasons]))
    return report
