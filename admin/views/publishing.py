"""Publishing: review what the draft changes, run the gate, and make it live."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select
from wtforms import fields, validators

from admin.diff import diff_knowledge_bases
from admin.forms import AdminForm
from admin.security import RoleRequired, actor
from rules.schema import knowledge_base_problems
from service.extensions import db
from service.intake import VOCABULARY
from service.knowledge import draft_knowledge_base
from service.models import RulesetVersion
from service.publishing import GateReport, publish, run_gate
from service.ruleset import active_ruleset


class PublishForm(AdminForm):
    note = fields.TextAreaField(
        "What changed, and why (kept with the version)",
        validators=[validators.InputRequired("say what changed and why"),
                    validators.Length(max=2000)], render_kw={"rows": 2})


class CheckForm(AdminForm):
    """An empty form: it only carries the CSRF token."""


def active_version() -> RulesetVersion | None:
    """The newest published version: the one patients are getting."""
    return db.session.scalar(select(RulesetVersion).order_by(RulesetVersion.version.desc())
                             .limit(1))


class PublishView(RoleRequired, BaseView):
    """Compare the draft with the live version, check it, and publish it."""

    endpoint_roles = {"publish_view": "publisher"}

    def _page(self, report: GateReport | None = None, form: PublishForm | None = None,
              status: int = 200):
        active = active_version()
        draft = draft_knowledge_base()
        changes = diff_knowledge_bases(active.snapshot if active else {},
                                       draft.model_dump(mode="json"))
        html = self.render("panel/publish.html", active=active, changes=changes,
                           report=report, form=form or PublishForm(), check_form=CheckForm(),
                           invalid=knowledge_base_problems(draft, VOCABULARY))
        return html, status

    @expose("/")
    def index(self):
        return self._page()

    @expose("/check/", methods=("POST",))
    def check_view(self):
        """Run the gate on the draft without publishing it."""
        if not CheckForm().validate_on_submit():
            return self._page(status=400)
        return self._page(report=run_gate(draft_knowledge_base()))

    @expose("/publish/", methods=("POST",))
    def publish_view(self):
        """Publish the draft if, and only if, it passes the gate."""
        form = PublishForm()
        if not form.validate_on_submit():
            return self._page(form=form, status=400)
        result = publish(actor(), note=form.note.data.strip())
        if result.version is None:
            flash("Not published: the draft failed the safety checks below. Patients still "
                  "get the current version.", "error")
            return self._page(report=result.report, form=form, status=409)
        active_ruleset().expire()  # this process answers with it at once; others poll
        flash(f"Published version {result.version}: all {len(result.report.vignettes)} test "
              "vignettes passed. Patients get it within a second.", "success")
        return redirect(url_for("rulesetversion.index_view"))
