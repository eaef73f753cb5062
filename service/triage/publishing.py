"""Publishing: a draft becomes an immutable ruleset version, only if it is safe.

The gate (service/triage/gate.py) decides; this module makes the version, or records the
refusal. Every attempt is audited, refused ones too, with what the gate showed. Version
numbers come from a unique column, so two publishers racing end with one linear
history: the loser retries with the next number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from rules.schema import KnowledgeBase
from service.extensions import db
from service.store.audit import record_change
from service.store.models import RulesetVersion
from service.triage.gate import GateReport, report_summary, run_gate, stored_vignettes
from service.triage.knowledge import draft_knowledge_base

__all__ = ["GateReport", "PublishResult", "publish", "record_refusal", "refusals", "restore",
           "run_gate", "stored_vignettes"]

log = logging.getLogger(__name__)


@dataclass
class PublishResult:
    report: GateReport
    version: int | None = None
    refusals: list[str] = field(default_factory=list)  # why not, in words


def refusals(report: GateReport, actor: str, expected_hash: str | None) -> list[str]:
    """Why `actor` may not publish what `report` checked; empty when they may."""
    why = []
    if expected_hash is not None and expected_hash != report.draft_hash:
        why.append("the draft changed after it was reviewed: review it again")
    if report.problems:
        why.append(f"{len(report.problems)} problem(s) in the rules")
    if report.failures:
        why.append(f"{len(report.failures)} test vignette(s) fail")
    if report.signoff_items and report.approval is None:
        why.append(f"{len(report.signoff_items)} item(s) need a clinical safety officer's "
                   "approval of this exact draft")
    elif report.signoff_items and report.approval.approved_by == actor:
        why.append("the safety officer who approved it cannot also publish it: a second "
                   "person must")
    return why


def record_refusal(actor: str, report: GateReport, why: list[str], note: str = "",
                   restored_from: int | None = None) -> None:
    """Audit a refused publish or restore, with what the gate showed (commits)."""
    action = "restore" if restored_from else "publish"
    log.warning("%s by %s refused: %s", action, actor, "; ".join(why))
    key = str(restored_from) if restored_from else f"draft {report.draft_hash[:12]}"
    record_change(actor, f"{action}_refused", "ruleset_version", key, None,
                  {"note": note, "refused": why, "restored_from": restored_from,
                   **report_summary(report)})
    db.session.commit()


def publish(actor: str, note: str = "", kb: KnowledgeBase | None = None,
            restored_from: int | None = None, expected_hash: str | None = None
            ) -> PublishResult:
    """Publish `kb` (default: the draft) as the next version, if the gate lets `actor`.

    `expected_hash`, when given, is the draft the person reviewed: anything else is
    refused, so what goes live is what they saw.
    """
    kb = kb if kb is not None else draft_knowledge_base()
    report = run_gate(kb)
    action = "restore" if restored_from else "publish"
    why = refusals(report, actor, expected_hash)
    if why:
        record_refusal(actor, report, why, note, restored_from)
        return PublishResult(report, refusals=why)
    snapshot = kb.model_dump(mode="json")
    summary = report_summary(report)
    for _attempt in range(5):
        newest = db.session.scalar(select(func.max(RulesetVersion.version))) or 0
        row = RulesetVersion(version=newest + 1, snapshot=snapshot, note=note,
                             restored_from=restored_from, created_by=actor)
        db.session.add(row)
        record_change(actor, action, "ruleset_version", str(row.version), None,
                      {"version": row.version, "note": note,
                       "restored_from": restored_from, **summary})
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another publisher took this number: take the next
            continue
        log.info("%s published ruleset version %d", actor, row.version)
        return PublishResult(report, version=row.version)
    raise RuntimeError("could not allocate a ruleset version number")


def restore(actor: str, version: int, expected_hash: str | None = None) -> PublishResult:
    """Publish an old version's snapshot again, as a new version, through the gate."""
    row = db.session.scalar(select(RulesetVersion).where(RulesetVersion.version == version))
    if row is None:
        raise LookupError(f"no ruleset version {version}")
    kb = KnowledgeBase.model_validate(row.snapshot)
    return publish(actor, note=f"restored version {version}", kb=kb, restored_from=version,
                   expected_hash=expected_hash)
