"""A clinical safety officer's sign-off of one exact draft, with a reason per item.

NHS DCB0129 asks a clinical safety officer to accept the clinical risk of a change. Here
that acceptance is an approval of one knowledge base (by hash) against one live version:
the draft changing, or another version going live, leaves it matching nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rules.schema import KnowledgeBase
from service.extensions import db
from service.store.audit import record_change
from service.store.models import SafetyApproval
from service.triage.gate import GateReport, report_summary, run_gate

MIN_REASON = 10  # characters: a reason, not "ok"


@dataclass
class ApprovalResult:
    report: GateReport
    approval: SafetyApproval | None = None
    problems: dict[str, str] = field(default_factory=dict)  # item key or "" -> why not


def approve(officer: str, kb: KnowledgeBase, reviewed_hash: str,
            reasons: dict[str, str], what_if: dict | None = None) -> ApprovalResult:
    """Approve `kb` if it is still what was reviewed and every item has a reason.

    `what_if` summarises the what-if over stored history the officer was shown, if any:
    it goes into the audit entry beside the reasons.
    """
    report = run_gate(kb)
    result = ApprovalResult(report)
    items = report.signoff_items
    if reviewed_hash != report.draft_hash:
        result.problems[""] = "the draft changed after you reviewed it: review it again"
    elif not report.checks_pass:
        result.problems[""] = ("the draft fails checks that no approval can override: "
                               "fix them first")
    elif not items:
        result.problems[""] = "there is nothing to approve: the draft needs no sign-off"
    for item in items:
        reason = (reasons.get(item.key) or "").strip()
        if len(reason) < MIN_REASON:
            result.problems[item.key] = (f"give a reason (at least {MIN_REASON} characters) "
                                         "for accepting this")
    if result.problems:
        return result
    approval = SafetyApproval(
        draft_hash=report.draft_hash, live_version=report.live_version, approved_by=officer,
        reasons={i.key: reasons[i.key].strip() for i in items},
        items=[{"title": i.title, "reason": reasons[i.key].strip(),
                "rows": [{"answers": r.answers, "live": r.live, "draft": r.draft}
                         for r in i.rows[:50]]} for i in items])
    db.session.add(approval)
    record_change(officer, "approve", "safety_approval", report.draft_hash[:12], None,
                  {"live_version": report.live_version, "items": approval.items,
                   "what_if": what_if, **report_summary(report)})
    db.session.commit()
    result.approval = approval
    return result
