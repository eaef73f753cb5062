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

from rules.levels import urgency
from rules.schema import KnowledgeBase, Refer, iter_leaves
from service.intake import Intake

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


class Replayer:
    """A draft (and the live version, when there is one) compiled once, replaying batches."""

    def __init__(self, draft: dict, live: dict | None, live_version: int | None):
        from service.ruleset import LoadedVersion  # the engine: loaded only where it runs

        tag = uuid.uuid4().hex[:8]
        draft_kb = KnowledgeBase.model_validate(draft)
        self.draft = LoadedVersion(0, draft_kb, prefix=f"whatif_{tag}")
        self.live = None
        if live is not None:
            self.live = LoadedVersion(live_version or 0, KnowledgeBase.model_validate(live),
                                      prefix=f"whatif_live_{tag}")
        self.fields = rule_fields(draft_kb)
        if self.live is not None:
            self.fields.update({k: v for k, v in rule_fields(self.live.kb).items()
                                if k not in self.fields})
        self.referring = {r.slug for r in draft_kb.rules if isinstance(r.action, Refer)}
        if self.live is not None:
            self.referring |= {r.slug for r in self.live.kb.rules if isinstance(r.action, Refer)}

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
            fired = self.draft.fired(intake)
            level = self.draft.assembler.assemble(record.reference, fired, intake).triage_level
            result.replayed += 1
            before = set(self.live.fired(intake)) if self.live is not None else set()
            if self.live is not None:
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
        """Free both engines."""
        self.draft.close()
        if self.live is not None:
            self.live.close()


def less_urgent(old: str, new: str) -> bool:
    """Whether `new` tells the person something less urgent than `old` did."""
    return urgency(new) > urgency(old)
