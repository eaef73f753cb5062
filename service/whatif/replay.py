"""Replaying one batch of stored intakes against a draft: the work a job's processes do.

Nothing here touches the database or Flask: a batch comes in as plain tuples and goes
out as a `BatchResult`, so the same code runs in a worker process, in a thread for a
small job, or directly in a test.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from pydantic import ValidationError

from rules.levels import most_urgent, urgency
from rules.schema import KnowledgeBase, Refer, iter_leaves
from service.triage.intake import Intake

#: How many references a job keeps for each (old, new) change of level, and for skips.
REFERENCES_KEPT = 200


class StoredIntake(NamedTuple):
    """One stored record, as much of it as a replay reads."""

    id: int
    reference: str
    created_at: str
    intake: str  # the stored JSON text, parsed only in the worker
    triage_level: str
    ruleset_version: int | None


@dataclass
class BatchResult:
    """What one batch found; results of batches add up with `merge`."""

    replayed: int = 0
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    transitions: Counter = field(default_factory=Counter)  # (old, new) -> people
    examples: dict = field(default_factory=dict)  # "old>new" -> [change, ...]
    newly_fired: Counter = field(default_factory=Counter)  # rule -> people (draft vs live)
    no_longer_fired: Counter = field(default_factory=Counter)

    def merge(self, other: BatchResult) -> None:
        """Add `other`'s counts and examples to this result (capped lists stay capped)."""
        self.replayed += other.replayed
        self.skipped_count += other.skipped_count
        self.skipped.extend(other.skipped[:REFERENCES_KEPT - len(self.skipped)])
        self.transitions.update(other.transitions)
        for key, changes in other.examples.items():
            kept = self.examples.setdefault(key, [])
            kept.extend(changes[:REFERENCES_KEPT - len(kept)])
        self.newly_fired.update(other.newly_fired)
        self.no_longer_fired.update(other.no_longer_fired)


def rule_fields(kb: KnowledgeBase) -> dict[str, list[str]]:
    """The intake fields each rule's conditions read, in order, without repeats."""
    fields: dict[str, list[str]] = {}
    for rule in kb.rules:
        names = [leaf.field for leaf in iter_leaves(rule.conditions)]
        fields[rule.slug] = list(dict.fromkeys(names))
    return fields


#: Live rules that differ from the draft are compiled beside it under this prefix.
LIVE = "live__"


class Replayer:
    """A draft, and the live version's rules that differ from it, in ONE compiled engine.

    Rules the two share fire alike, so they are compiled once; a rule the draft changed,
    added or removed is compiled in both forms (the live form renamed with `LIVE`). One
    evaluation of each intake then says what fires under the draft and under the live
    version: a replay costs one evaluation, not two. The level is the most urgent
    referral that fires, as service.triage.outcome's Assembler decides it (a test holds the two
    to the same answer).
    """

    def __init__(self, draft: dict, live: dict | None, live_version: int | None):
        from rules import RulesEngine, compile_ruleset  # the engine: only where it runs

        draft_kb = KnowledgeBase.model_validate(draft)
        live_kb = KnowledgeBase.model_validate(live) if live is not None else None
        self.has_live = live_kb is not None
        drafted = {r.slug: r for r in draft_kb.rules if r.enabled}
        lived = {r.slug: r for r in live_kb.rules if r.enabled} if live_kb else {}
        self.shared = {s for s, r in drafted.items() if s in lived and lived[s] == r}
        differing = [r.model_copy(update={"slug": LIVE + s})
                     for s, r in lived.items() if s not in self.shared]
        self.engine = RulesEngine(f"whatif_{uuid.uuid4().hex[:8]}")
        self.engine.load(compile_ruleset([*drafted.values(), *differing], 0))
        self.draft_slugs = set(drafted)
        self.draft_levels = {s: r.action.level for s, r in drafted.items()
                             if isinstance(r.action, Refer)}
        self.referring = set(self.draft_levels) | {s for s, r in lived.items()
                                                   if isinstance(r.action, Refer)}
        self.fields = rule_fields(live_kb) if live_kb else {}
        self.fields.update(rule_fields(draft_kb))

    def evaluate(self, intake: Intake) -> tuple[list[str], set[str]]:
        """(rules that fire under the draft, in firing order; rules that fire live)."""
        from service.triage.intake import intake_facts

        _version, fired = self.engine.evaluate(intake_facts(intake))
        draft = [s for s in fired if s in self.draft_slugs]
        live = {s for s in draft if s in self.shared}
        live |= {s[len(LIVE):] for s in fired if s.startswith(LIVE)}
        return draft, live

    def level(self, fired: list[str]) -> str:
        """The draft's triage level for these fired rules: the most urgent referral."""
        return most_urgent(self.draft_levels[s] for s in fired if s in self.draft_levels)

    def replay(self, batch: list[StoredIntake]) -> BatchResult:
        """Assess each record with the draft and note every change of level."""
        result = BatchResult()
        for record in batch:
            try:
                intake = Intake.model_validate_json(record.intake)
            except ValidationError:
                result.skipped_count += 1
                if len(result.skipped) < REFERENCES_KEPT:
                    result.skipped.append(record.reference)
                continue
            fired, before = self.evaluate(intake)
            level = self.level(fired)
            result.replayed += 1
            if self.has_live:
                after = set(fired)
                result.newly_fired.update(after - before)
                result.no_longer_fired.update(before - after)
            if level == record.triage_level:
                continue
            result.transitions[(record.triage_level, level)] += 1
            key = f"{record.triage_level}>{level}"
            kept = result.examples.setdefault(key, [])
            if len(kept) < REFERENCES_KEPT:
                kept.append(self._change(record, intake, fired, before))
        return result

    def _change(self, record: StoredIntake, intake: Intake, fired: list[str],
                before: set[str]) -> dict:
        """One person whose level would change: who, which rules, which answers."""
        differing = (set(fired) ^ before) & self.referring
        answers = intake.model_dump(mode="json", exclude={"start_back"}, exclude_none=True)
        mattered = {}
        for slug in sorted(differing or (set(fired) & self.referring)):
            for name in self.fields.get(slug, []):
                if name in answers:
                    mattered[name] = answers[name]
        return {
            "reference": record.reference, "created_at": record.created_at,
            "version": record.ruleset_version,
            "fired": [slug for slug in fired if slug in self.referring],
            "no_longer_fires": sorted((before - set(fired)) & self.referring),
            "answers": mattered,
        }

    def close(self) -> None:
        """Free the engine."""
        self.engine.close()


def less_urgent(old: str, new: str) -> bool:
    """Whether `new` tells the person something less urgent than `old` did."""
    return urgency(new) > urgency(old)
