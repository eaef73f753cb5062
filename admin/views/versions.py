"""Published versions: history, a readable diff between any two, and restoring one."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.template import EndpointLinkRowAction
from markupsafe import Markup
from sqlalchemy import select
from wtforms import fields, validators, widgets

from admin.diff import diff_knowledge_bases, patient_visible_changes
from admin.draft import reset_draft
from admin.forms import AdminForm
from admin.security import RoleRequired, actor
from admin.views.publishing import active_version
from admin.wording import LIST_FORMATTERS
from rules.schema import KnowledgeBase
from service.extensions import db
from service.store.models import RulesetVersion
from service.triage.gate import run_gate
from service.triage.publishing import PublishResult, record_refusal, refusals, restore
from service.triage.ruleset import active_ruleset


class RestoreForm(AdminForm):
    # Hidden, so form.hidden_tag() renders it: the page must send which version it shows.
    version = fields.IntegerField(validators=[validators.InputRequired()],
                                  widget=widgets.HiddenInput())
    # Set by the confirmation page: the snapshot reviewed there, and that it was confirmed.
    draft = fields.HiddenField()
    confirmed = fields.HiddenField()


def _contents(view, context, model, name):
    s = model.snapshot or {}
    return (f"{len(s.get('rules', []))} rules, {len(s.get('exercises', []))} exercises, "
            f"{len(s.get('advice', []))} advice")


def _version_link(view, context, model, name):
    url = url_for(".diff_view", b=model.version)
    return Markup(f'<a href="{url}" title="What changed; restore">Version {model.version}</a>')


def _version(number: int | None) -> RulesetVersion | None:
    if number is None:
        return None
    return db.session.scalar(select(RulesetVersion).where(RulesetVersion.version == number))


class VersionView(RoleRequired, ModelView):
    """Every published version, newest (live) first. Versions are never edited."""

    allow_create = allow_edit = allow_delete = False
    write_role = None  # read-only for everyone: history is never rewritten
    can_view_details = False
    list_template = "panel/list.html"  # its menu bar without inline script (CSP)
    column_type_formatters = LIST_FORMATTERS
    endpoint_roles = {"restore_view": "publisher"}
    column_list = ("version", "created_at", "created_by", "note", "restored_from",
                   "contents")
    column_labels = {"created_at": "Published", "created_by": "By",
                     "restored_from": "Restored from"}
    column_formatters = {"contents": _contents, "version": _version_link}
    column_default_sort = ("version", True)
    column_sortable_list = ("version", "created_at")
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-exchange", ".diff_view", title="Compare and restore")]

    @expose("/diff/")
    def diff_view(self):
        """Version `b` compared with version `a` (default: the one before it)."""
        row = db.session.get(RulesetVersion, request.args.get("id", type=int) or 0)
        b = _version(row.version if row else request.args.get("b", type=int))
        if b is None:
            abort(404)
        a = _version(request.args.get("a", type=int, default=b.version - 1))
        return self._diff_page(a, b)

    def _diff_page(self, a, b, report=None, status: int = 200, refused=None):
        changes = diff_knowledge_bases(a.snapshot if a else {}, b.snapshot)
        numbers = db.session.scalars(select(RulesetVersion.version)
                                     .order_by(RulesetVersion.version.desc())).all()
        form = RestoreForm(formdata=None, version=b.version)
        return self.render("panel/version_diff.html", a=a, b=b, changes=changes,
                           numbers=numbers, live=active_version(), report=report,
                           form=form, refused=refused or []), status

    @expose("/restore/", methods=("POST",))
    def restore_view(self):
        """Step 1 runs the gate and asks to confirm; step 2 restores, and resets the draft."""
        form = RestoreForm()
        if not form.validate_on_submit():
            abort(400)
        old = _version(form.version.data)
        if old is None:
            abort(404)
        if form.confirmed.data != "yes":
            kb = KnowledgeBase.model_validate(old.snapshot)
            report = run_gate(kb)
            why = refusals(report, actor(), None)
            if why:
                record_refusal(actor(), report, why, f"restore version {old.version}",
                               restored_from=old.version)
                return self._refused(old, PublishResult(report, refusals=why))
            live = active_version()
            form.draft.data, form.confirmed.data = report.draft_hash, "yes"
            return self.render(
                "panel/confirm_publish.html", report=report, form=form, live=live,
                action=url_for(".restore_view"), subject=f"version {old.version} again",
                content=patient_visible_changes(live.snapshot if live else {}, old.snapshot))
        result = restore(actor(), old.version, expected_hash=form.draft.data or "")
        if result.version is None:
            return self._refused(old, result)
        changed = reset_draft(KnowledgeBase.model_validate(old.snapshot), actor())
        db.session.commit()
        active_ruleset().expire()
        flash(f"Version {old.version} is live again as version {result.version}. The draft "
              f"was reset to match it ({changed} items changed).", "success")
        return redirect(url_for(".index_view"))

    def _refused(self, old: RulesetVersion, result: PublishResult):
        flash(f"Version {old.version} was not restored: it fails today's safety checks "
              "below. Patients still get the current version.", "error")
        return self._diff_page(_version(old.version - 1), old, result.report, status=409,
                               refused=result.refusals)
