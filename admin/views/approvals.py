"""The clinical safety officer's review: approve one exact draft, a reason per item."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select
from wtforms import fields, validators

from admin.forms import AdminForm
from admin.security import actor
from rules.schema import KnowledgeBase
from service.extensions import db
from service.store.models import RulesetVersion
from service.triage.approvals import approve
from service.triage.gate import GateReport, run_gate
from service.triage.knowledge import draft_knowledge_base
from service.whatif.jobs import latest_complete


def approval_form(report: GateReport, formdata=None) -> AdminForm:
    """A form with one reason box per sign-off item of `report`, and the draft's hash."""

    class ApprovalForm(AdminForm):
        draft = fields.HiddenField(validators=[validators.InputRequired()])
        version = fields.HiddenField()

    for item in report.signoff_items:
        setattr(ApprovalForm, f"reason_{item.key}", fields.TextAreaField(
            "Why is this acceptable? (kept in the audit log)",
            validators=[validators.Optional()], render_kw={"rows": 2}))
    kwargs = {} if formdata is None else {"formdata": formdata}
    form = ApprovalForm(**kwargs)
    if formdata is None:
        form.draft.data = report.draft_hash
    return form


def subject(version: int | None) -> tuple[KnowledgeBase, str]:
    """What is being approved: the draft, or an old version about to be restored."""
    if version is None:
        return draft_knowledge_base(), "the draft"
    row = db.session.scalar(select(RulesetVersion).where(RulesetVersion.version == version))
    if row is None:
        abort(404)
    return KnowledgeBase.model_validate(row.snapshot), f"version {version} (to restore it)"


def approve_page(view):
    """GET: the report and a reason box per item; POST: record the approval."""
    version = request.values.get("version", type=int)
    kb, what = subject(version)
    if request.method == "GET":
        report = run_gate(kb)
        form = approval_form(report)
        form.version.data = version or ""
        return view.render("panel/approve.html", report=report, form=form, what=what,
                           **_cited(version, report))
    form = approval_form(run_gate(kb), formdata=request.form)
    if not form.validate_on_submit():
        abort(400)
    reasons = {name.removeprefix("reason_"): field.data or ""
               for name, field in form._fields.items() if name.startswith("reason_")}
    result = approve(actor(), kb, form.draft.data or "", reasons,
                     what_if=_audited(_cited(version, run_gate(kb))))
    if result.approval is None:
        for key, problem in result.problems.items():
            field = form._fields.get(f"reason_{key}")
            if field is not None:
                field.errors = [problem]
        general = result.problems.get("")
        if general:
            flash(f"Not approved: {general}.", "error")
        form.draft.data = result.report.draft_hash
        return view.render("panel/approve.html", report=result.report, form=form,
                           what=what, **_cited(version, result.report)), \
            409 if general else 400
    flash(f"Approved {what}. Someone with the publisher role, other than you, can now "
          "publish it.", "success")
    if version:
        return redirect(url_for("rulesetversion.diff_view", b=version))
    return redirect(url_for("publish.index"))


def _cited(version: int | None, report: GateReport) -> dict:
    """The what-if the review cites: the last complete one for exactly this draft (an old
    version being restored has no draft to have run one on)."""
    if version is not None:
        return {"citing": False, "what_if": None}
    return {"citing": True, "what_if": latest_complete(report.draft_hash)}


def _audited(cited: dict) -> dict | None:
    """What the approval's audit entry says of the cited what-if."""
    job = cited["what_if"]
    if job is None:
        return None
    return {"job": job.id, "live_version": job.live_version, "replayed": job.done,
            "changed": job.changed, "less_urgent": job.less_urgent}
