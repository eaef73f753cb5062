"""Publishing: review what the draft changes, run the gate, confirm, and make it live.

Publishing takes two steps: "Publish the draft…" runs the gate and, if it lets the
draft through, shows in words what patients will see change; "Publish now" on that page
publishes exactly the draft shown (its hash travels in the form), or nothing.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import BaseView, expose
from wtforms import fields, validators

from admin.diff import diff_knowledge_bases, patient_visible_changes
from admin.forms import AdminForm
from admin.security import RoleRequired, actor
from admin.views.approvals import approve_page
from rules.schema import knowledge_base_problems
from service.store.models import RulesetVersion
from service.triage.gate import GateReport, knowledge_base_hash, live_version, run_gate
from service.triage.intake import VOCABULARY
from service.triage.knowledge import draft_knowledge_base
from service.triage.publishing import PublishResult, publish, record_refusal, refusals
from service.triage.ruleset import active_ruleset
from service.whatif.jobs import latest_complete


class PublishForm(AdminForm):
    note = fields.TextAreaField(
        "What changed, and why (kept with the version)",
        validators=[validators.InputRequired("say what changed and why"),
                    validators.Length(max=2000)], render_kw={"rows": 2})
    # Set by the confirmation page: the draft reviewed there, and that it was confirmed.
    draft = fields.HiddenField()
    confirmed = fields.HiddenField()


class CheckForm(AdminForm):
    """An empty form: it only carries the CSRF token."""


def active_version() -> RulesetVersion | None:
    """The newest published version: the one patients are getting."""
    return live_version()


class PublishView(RoleRequired, BaseView):
    """Compare the draft with the live version, check it, and publish it."""

    endpoint_roles = {"publish_view": "publisher", "approve_view": "safety_officer"}

    def _page(self, report: GateReport | None = None, form: PublishForm | None = None,
              status: int = 200, refused: list[str] | None = None):
        active = active_version()
        draft = draft_knowledge_base()
        changes = diff_knowledge_bases(active.snapshot if active else {},
                                       draft.model_dump(mode="json"))
        html = self.render("panel/publish.html", active=active, changes=changes,
                           report=report, form=form or PublishForm(), check_form=CheckForm(),
                           invalid=knowledge_base_problems(draft, VOCABULARY),
                           refused=refused or [],
                           # What the gate would refuse now, said beside the button.
                           blocked=refusals(report, actor(), None) if report else [],
                           what_if=latest_complete(knowledge_base_hash(draft)))
        return html, status

    @expose("/")
    def index(self):
        # The gate answers in well under a second: show its findings (downgrades, rules
        # nothing would miss, an approval) before anyone presses a button.
        return self._page(report=run_gate(draft_knowledge_base()))

    @expose("/check/", methods=("POST",))
    def check_view(self):
        """Run the gate on the draft without publishing it."""
        if not CheckForm().validate_on_submit():
            return self._page(status=400)
        return self._page(report=run_gate(draft_knowledge_base()))

    @expose("/publish/", methods=("POST",))
    def publish_view(self):
        """Step 1 runs the gate and asks to confirm; step 2 (confirmed) publishes."""
        form = PublishForm()
        if not form.validate_on_submit():
            return self._page(form=form, status=400)
        note = form.note.data.strip()
        if form.confirmed.data != "yes":
            draft = draft_knowledge_base()
            report = run_gate(draft)
            why = refusals(report, actor(), None)
            if why:  # audited as a refused attempt, like a refusal at step 2
                record_refusal(actor(), report, why, note)
                return self._refused(PublishResult(report, refusals=why), form)
            active = active_version()
            form.draft.data, form.confirmed.data = report.draft_hash, "yes"
            return self.render(
                "panel/confirm_publish.html", report=report, form=form, live=active,
                action=url_for(".publish_view"), subject="the draft",
                content=patient_visible_changes(active.snapshot if active else {},
                                                draft.model_dump(mode="json")))
        result = publish(actor(), note=note, expected_hash=form.draft.data or "")
        if result.version is None:
            return self._refused(result, form)
        active_ruleset().expire()  # this process answers with it at once; others poll
        flash(f"Published version {result.version}: all {len(result.report.vignettes)} test "
              "vignettes passed. Patients get it within a second.", "success")
        return redirect(url_for("rulesetversion.index_view"))

    @expose("/approve/", methods=("GET", "POST"))
    def approve_view(self):
        """The clinical safety officer approves the draft, or a version to restore."""
        return approve_page(self)

    def _refused(self, result: PublishResult, form: PublishForm):
        flash("Not published: the draft failed the safety checks below. Patients still "
              "get the current version.", "error")
        form.confirmed.data = ""
        return self._page(report=result.report, form=form, status=409,
                          refused=result.refusals)
