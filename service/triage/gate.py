"""The publish gate: everything that decides whether a knowledge base may go live.

A knowledge base reaches patients only if (1) every stored vignette passes, (2) the
static checks pass, and (3) no safety probe is downgraded against the live version and
every referral rule would be missed by some vignette or probe, or else a clinical safety
officer other than the publisher approved this exact knowledge base, with a reason for
each such item (service/triage/approvals.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from rules.checks import static_problems
from rules.safety import ProbeChange, ProbeComparison, compare_probes
from rules.schema import KnowledgeBase, Refer, Rule, knowledge_base_problems
from service.extensions import db
from service.store.models import RulesetVersion, SafetyApproval, Vignette
from service.triage.gate_wording import (
    causes_words,
    probe_answers,
    probe_person,
    verdict_words,
)
from service.triage.intake import VOCABULARY
from service.triage.protection import unprotected_rules
from service.triage.vignettes import VignetteResult, check_vignettes


@dataclass
class ChangeRow:
    """Probes with the same answers and the same two outcomes, whoever the person is."""

    answers: str
    live: str
    draft: str
    downgrade: bool
    people: list[str] = field(default_factory=list)


@dataclass
class ChangeGroup:
    """The probe changes one set of rule changes caused."""

    key: str  # stable while the draft and the live version are the same
    because: str
    rows: list[ChangeRow] = field(default_factory=list)

    @property
    def downgrades(self) -> list[ChangeRow]:
        return [r for r in self.rows if r.downgrade]


@dataclass
class SignoffItem:
    """One thing a safety officer must give a reason for: a downgrade group or a rule
    nothing would miss."""

    key: str
    title: str
    rows: list[ChangeRow] = field(default_factory=list)


@dataclass
class GateReport:
    """Why a knowledge base may or may not go live."""

    problems: list[str] = field(default_factory=list)
    vignettes: list[VignetteResult] = field(default_factory=list)
    probes: ProbeComparison | None = None
    groups: list[ChangeGroup] = field(default_factory=list)
    unprotected: list[Rule] = field(default_factory=list)
    draft_hash: str = ""
    live_version: int | None = None
    approval: SafetyApproval | None = None
    rule_names: dict[str, str] = field(default_factory=dict)  # referral rules, by slug

    @property
    def failures(self) -> list[VignetteResult]:
        return [v for v in self.vignettes if not v.passed]

    @property
    def checks_pass(self) -> bool:
        """No problem in the rules and every vignette passes: nobody can approve past these."""
        return not self.problems and not self.failures

    @property
    def downgrade_groups(self) -> list[ChangeGroup]:
        return [g for g in self.groups if g.downgrades]

    @property
    def signoff_items(self) -> list[SignoffItem]:
        """What needs a safety officer's reason before one person may publish."""
        items = [SignoffItem(g.key, f"Downgrades because {g.because}", g.downgrades)
                 for g in self.downgrade_groups]
        if self.live_version is None:
            return items  # the first publish: anything beats every patient failing safe
        items += [SignoffItem(_key(f"unprotected:{r.slug}"),
                              f"Nothing would notice if rule “{r.name}” were switched off: "
                              "no test vignette or safety probe depends on it")
                  for r in self.unprotected]
        return items

    @property
    def passed(self) -> bool:
        """Whether it may go live, given any approval that matches it."""
        return self.checks_pass and (not self.signoff_items or self.approval is not None)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def knowledge_base_hash(kb: KnowledgeBase) -> str:
    """A fingerprint of exactly this knowledge base: any edit changes it."""
    canonical = json.dumps(kb.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def group_changes(changes: list[ProbeChange]) -> list[ChangeGroup]:
    """Probe changes grouped by the rule changes behind them; rows merged across people."""
    groups: dict[str, ChangeGroup] = {}
    rows: dict[tuple, ChangeRow] = {}
    for change in changes:
        cause_key = "|".join(sorted(f"{c.slug}:{'+'.join(c.kinds)}" for c in change.causes))
        group = groups.get(cause_key)
        if group is None:
            group = groups[cause_key] = ChangeGroup(_key(cause_key), causes_words(change.causes))
        answers, live, draft = (probe_answers(change.probe), verdict_words(change.live),
                                verdict_words(change.draft))
        row = rows.get((cause_key, answers, live, draft))
        if row is None:
            row = rows[(cause_key, answers, live, draft)] = ChangeRow(answers, live, draft,
                                                                       change.downgrade)
            group.rows.append(row)
        row.people.append(probe_person(change.probe))
    for group in groups.values():  # downgrades first, then fewest answers first
        group.rows.sort(key=lambda r: (not r.downgrade, " with " in r.answers))
    return sorted(groups.values(), key=lambda g: not g.downgrades)


def stored_vignettes() -> list[dict]:
    rows = db.session.scalars(select(Vignette).order_by(Vignette.id))
    return [{"slug": v.slug, "intake": v.intake, "expect": v.expect, "checkins": v.checkins}
            for v in rows]


def live_version() -> RulesetVersion | None:
    """The newest published version: the one patients are getting."""
    return db.session.scalar(select(RulesetVersion).order_by(RulesetVersion.version.desc())
                             .limit(1))


def matching_approval(draft_hash: str, live: int | None) -> SafetyApproval | None:
    """The newest approval of exactly this knowledge base against this live version."""
    return db.session.scalar(select(SafetyApproval).where(
        SafetyApproval.draft_hash == draft_hash, SafetyApproval.live_version == live)
        .order_by(SafetyApproval.id.desc()).limit(1))


def run_gate(kb: KnowledgeBase) -> GateReport:
    """Check `kb`: vocabulary, static checks, every stored vignette, and the probes
    against the live version; with the safety officer's approval of it, if any."""
    live = live_version()
    live_kb = None if live is None else KnowledgeBase.model_validate(live.snapshot)
    report = evaluate_gate(kb, stored_vignettes(), live_kb,
                           None if live is None else live.version)
    items = report.signoff_items
    if items:
        approval = matching_approval(report.draft_hash, report.live_version)
        # The same knowledge base can need more once the vignettes change: the approval
        # counts only if it gave a reason for every item needing one now.
        if approval is not None and {i.key for i in items} <= set(approval.reasons):
            report.approval = approval
    return report


def evaluate_gate(kb: KnowledgeBase, vignettes: list[dict], live_kb: KnowledgeBase | None,
                  live: int | None = None) -> GateReport:
    """The gate's checks of `kb` against `live_kb`, without the database or approvals."""
    problems = knowledge_base_problems(kb, VOCABULARY)
    if problems:  # a rule that does not validate cannot be compiled meaningfully
        return GateReport(problems=problems)
    report = GateReport(problems=static_problems(kb, VOCABULARY),  # still run the rest
                        draft_hash=knowledge_base_hash(kb),
                        rule_names={r.slug: r.name for r in kb.rules
                                    if isinstance(r.action, Refer)})
    if not vignettes:
        report.problems.append("there are no test vignettes: nothing proves it safe")
    else:
        report.vignettes = check_vignettes(kb, vignettes)
    comparison = compare_probes(None if live_kb is None else live_kb.rules, kb.rules,
                                VOCABULARY)
    if live_kb is not None:
        report.live_version = live
        report.probes = comparison
        report.groups = group_changes(comparison.changes)
    report.unprotected = unprotected_rules(kb, vignettes, results=report.vignettes or None,
                                           noticed_by_probes=comparison.noticed)
    return report


def report_summary(report: GateReport, limit: int = 100) -> dict:
    """What the gate showed, in words, for the audit log (at most `limit` rows)."""
    rows = [{"because": g.because, "answers": r.answers, "live": r.live, "draft": r.draft,
             "people": len(r.people)} for g in report.downgrade_groups for r in g.downgrades]
    summary = {
        "problems": report.problems,
        "failing_vignettes": [f"{v.slug}: {'; '.join(v.problems)}" for v in report.failures],
        "downgrades": rows[:limit],
        "unprotected_rules": [r.name for r in report.unprotected],
        "probes_tried": report.probes.count if report.probes else 0,
    }
    if len(rows) > limit:
        summary["downgrades_not_listed"] = len(rows) - limit
    if report.approval is not None:
        summary["approved_by"] = report.approval.approved_by
    return summary
