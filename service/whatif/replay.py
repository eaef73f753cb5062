"""Replaying one batch of stored intakes or check-ins against a draft: a job's real work.

Nothing here touches the database or Flask: a batch comes in as plain tuples and goes
out as a `BatchResult`, so the same code runs in a worker process, in a thread for a
small job, or directly in a test.

A stored check-in is replayed as it was first assessed (service.followup.retriage): the
intake it updates, with that week's answers, plus the course facts stored with it (the
facts the rules saw then). So a draft's course rules, and any rule on the updated
answers, are judged on every check-in ever taken.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from pydantic import ValidationError

from rules.levels import TRIAGE_LEVELS, urgency
from rules.schema import KnowledgeBase, Refer, iter_leaves
from service.triage.intake import Intake, intake_facts

#: How many references a job keeps for each (old, new) change of level, and for skips.
REFERENCES_KEPT = 200


class StoredIntake(NamedTuple):
    """One stored record, as much of it as a replay reads."""

    id: int
    reference: str
    created_at: datetime  # written out only for the few records whose level changes
    intake: str  # the stored JSON text, parsed only in the worker
    triage_level: str
    ruleset_version: int | None


class StoredCheckin(NamedTuple):
    """One stored check-in, with the intake it follows, as much as a replay reads."""

    id: int
    reference: str  # the intake's reference
    week: int
    created_at: datetime
    days: int  # days from the intake to this check-in
    intake: str  # the intake's stored JSON text
    answers: str  # the check-in's answers, JSON text
    facts: str  # the course facts the rules saw, JSON text
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

    def skip(self, label: str) -> None:
        """Count a stored answer set that no longer validates; keep the first few labels."""
        self.skipped_count += 1
        if len(self.skipped) < REFERENCES_KEPT:
            self.skipped.append(label)

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
LIVE_CUT = len(LIVE)
SELF_CARE = TRIAGE_LEVELS.index("self_care")


class Replayer:
    """A draft, and the live version's rules that differ from it, in ONE compiled engine.

    Rules the two share fire alike, so they are compiled once; a rule the draft changed,
    added or removed is compiled in both forms (the live form renamed with `LIVE`). One
    evaluation of each intake then says what fires under the draft and under the live
    version: a replay costs one evaluation, not two. The level is the most urgent
    referral that fires, as service.triage.outcome's Assembler decides it (a test holds the two
    to the same answer).

    A shared rule that refers nobody (an exercise or a piece of advice both versions give
    alike) can change neither a level nor what differs, so it is not compiled at all: the
    engine then reports only referrals and changed rules, about a sixth less work a record.
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
        #: A live rule's compiled name -> its slug, for the few rules the draft changed.
        self.live_names = {r.slug: r.slug[LIVE_CUT:] for r in differing}
        self.engine = RulesEngine(f"whatif_{uuid.uuid4().hex[:8]}")
        judged = [r for s, r in drafted.items()
                  if s not in self.shared or isinstance(r.action, Refer)]
        self.engine.load(compile_ruleset([*judged, *differing], 0))
        #: The draft's rules this replay judges: every referral, and every changed rule.
        self.draft_slugs = {r.slug for r in judged}
        self.draft_levels = {s: r.action.level for s, r in drafted.items()
                             if isinstance(r.action, Refer)}
        self.rank = {s: urgency(level) for s, level in self.draft_levels.items()}
        self.referring = set(self.draft_levels) | {s for s, r in lived.items()
                                                   if isinstance(r.action, Refer)}
        self.fields = rule_fields(live_kb) if live_kb else {}
        self.fields.update(rule_fields(draft_kb))

    def evaluate(self, intake: Intake) -> tuple[list[str], set[str]]:
        """(judged rules that fire under the draft, in firing order; judged rules that
        fire live). Judged: referrals, and rules the draft changed (see the class)."""
        return self.evaluate_facts(intake_facts(intake))

    def evaluate_facts(self, facts: dict) -> tuple[list[str], set[str]]:
        """`evaluate` for facts already drawn from an intake (and a check-in's course)."""
        draft, live_only, _newly, _gone = self._fire(facts)
        return draft, self._live(draft, live_only)

    def _live(self, draft: list[str], live_only: list[str]) -> set[str]:
        """Every rule that fires under the live version, from what `_fire` found."""
        return {s for s in draft if s in self.shared} | set(live_only)

    def _fire(self, facts: dict) -> tuple[list[str], list[str], list[str], list[str]]:
        """One evaluation: (rules firing under the draft, the live version's differing
        rules that fire, rules that fire only under the draft, only under the live one).

        Shared rules fire under both or neither, so only the few rules the draft changed
        can differ: the hot path of a replay never builds the live version's whole set.
        """
        _version, fired = self.engine.evaluate(facts)
        draft_slugs, shared, live_names = self.draft_slugs, self.shared, self.live_names
        draft = [s for s in fired if s in draft_slugs]
        live_only = [live_names[s] for s in fired if s in live_names]
        newly = [s for s in draft if s not in shared and s not in live_only]
        gone = [s for s in live_only if s not in draft] if live_only else live_only
        return draft, live_only, newly, gone

    def level(self, fired: list[str]) -> str:
        """The draft's triage level for these fired rules: the most urgent referral."""
        rank = self.rank
        return TRIAGE_LEVELS[min((rank[s] for s in fired if s in rank),
                                 default=SELF_CARE)]

    def replay(self, batch: list[StoredIntake]) -> BatchResult:
        """Assess each record with the draft and note every change of level."""
        result = BatchResult()
        for record in batch:
            try:
                intake = Intake.model_validate_json(record.intake)
            except ValidationError:
                result.skip(record.reference)
                continue
            self._score(result, intake_facts(intake), record.triage_level,
                        record.reference, record)
        return result

    def replay_checkins(self, batch: list[StoredCheckin]) -> BatchResult:
        """Assess each stored check-in with the draft and note every change of level."""
        from service.followup.checkin import CheckinAnswers
        from service.followup.facts import CheckinFacts
        from service.followup.retriage import checkin_intake

        result = BatchResult()
        for row in batch:
            label = f"{row.reference} week {row.week}"
            try:
                original = Intake.model_validate_json(row.intake)
                answers = CheckinAnswers.model_validate_json(row.answers)
                course = CheckinFacts.model_validate_json(row.facts)
                updated = checkin_intake(original, answers, row.days)
            except ValidationError:
                result.skip(label)
                continue
            facts = intake_facts(updated) | course.model_dump()
            self._score(result, facts, row.triage_level, label, row)
        return result

    def _score(self, result: BatchResult, facts: dict, stored_level: str, label: str,
               row: StoredIntake | StoredCheckin) -> None:
        """Replay one assessment and count it; keep who it was when the level differs."""
        fired, live_only, newly, gone = self._fire(facts)
        level = self.level(fired)
        result.replayed += 1
        if self.has_live:
            if newly:
                result.newly_fired.update(newly)
            if gone:
                result.no_longer_fired.update(gone)
        if level == stored_level:
            return
        result.transitions[(stored_level, level)] += 1
        kept = result.examples.setdefault(f"{stored_level}>{level}", [])
        if len(kept) < REFERENCES_KEPT:
            kept.append(self._change(label, row, facts, fired, self._live(fired, live_only)))

    def _change(self, label: str, row: StoredIntake | StoredCheckin, facts: dict,
                fired: list[str], before: set[str]) -> dict:
        """One person whose level would change: who, which rules, which answers."""
        differing = (set(fired) ^ before) & self.referring
        mattered = {}
        for slug in sorted(differing or (set(fired) & self.referring)):
            for name in self.fields.get(slug, []):
                if name in facts:
                    mattered[name] = facts[name]
        return {
            "reference": label, "created_at": row.created_at.isoformat(),
            "version": row.ruleset_version,
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
