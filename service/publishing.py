"""Publishing: a draft becomes an immutable ruleset version, only if it is safe.

The gate: the draft must validate against the intake vocabulary and pass every stored
test vignette in the real engine. Version numbers come from a unique column, so two
publishers racing end with one linear history: the loser retries with the next number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from rules.checks import static_problems
from rules.schema import KnowledgeBase, knowledge_base_problems
from service.audit import record_change
from service.extensions import db
from service.intake import VOCABULARY
from service.knowledge import draft_knowledge_base
from service.models import RulesetVersion, Vignette
from service.vignettes import VignetteResult, check_vignettes

log = logging.getLogger(__name__)


@dataclass
class GateReport:
    """Why a knowledge base may or may not go live."""

    problems: list[str] = field(default_factory=list)
    vignettes: list[VignetteResult] = field(default_factory=list)

    @property
    def failures(self) -> list[VignetteResult]:
        return [v for v in self.vignettes if not v.passed]

    @property
    def passed(self) -> bool:
        return not self.problems and not self.failures


@dataclass
class PublishResult:
    report: GateReport
    version: int | None = None


def stored_vignettes() -> list[dict]:
    rows = db.session.scalars(select(Vignette).order_by(Vignette.id))
    return [{"slug": v.slug, "intake": v.intake, "expect": v.expect, "checkins": v.checkins}
            for v in rows]


def run_gate(kb: KnowledgeBase) -> GateReport:
    """Check `kb` against the vocabulary, the static checks and every stored vignette."""
    problems = knowledge_base_problems(kb, VOCABULARY)
    if problems:  # a rule that does not validate cannot be compiled meaningfully
        return GateReport(problems=problems)
    problems = static_problems(kb, VOCABULARY)  # still run the vignettes: show everything
    vignettes = stored_vignettes()
    if not vignettes:
        return GateReport(problems=problems
                          + ["there are no test vignettes: nothing proves it safe"])
    return GateReport(problems=problems, vignettes=check_vignettes(kb, vignettes))


def publish(actor: str, note: str = "", kb: KnowledgeBase | None = None,
            restored_from: int | None = None) -> PublishResult:
    """Publish `kb` (default: the draft) as the next version, if it passes the gate."""
    kb = kb if kb is not None else draft_knowledge_base()
    report = run_gate(kb)
    if not report.passed:
        log.warning("publish by %s blocked: %d problems, %d failing vignettes", actor,
                    len(report.problems), len(report.failures))
        return PublishResult(report)
    snapshot = kb.model_dump(mode="json")
    for _attempt in range(5):
        newest = db.session.scalar(select(func.max(RulesetVersion.version))) or 0
        row = RulesetVersion(version=newest + 1, snapshot=snapshot, note=note,
                             restored_from=restored_from, created_by=actor)
        db.session.add(row)
        record_change(actor, "restore" if restored_from else "publish", "ruleset_version",
                      str(row.version), None, {"version": row.version, "note": note,
                                                "restored_from": restored_from})
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another publisher took this number: take the next
            continue
        log.info("%s published ruleset version %d", actor, row.version)
        return PublishResult(report, version=row.version)
    raise RuntimeError("could not allocate a ruleset version number")


def restore(actor: str, version: int) -> PublishResult:
    """Publish an old version's snapshot again, as a new version, through the gate."""
    row = db.session.scalar(select(RulesetVersion).where(RulesetVersion.version == version))
    if row is None:
        raise LookupError(f"no ruleset version {version}")
    kb = KnowledgeBase.model_validate(row.snapshot)
    return publish(actor, note=f"restored version {version}", kb=kb, restored_from=version)
