"""Published versions: history, a readable diff between any two, and restoring one."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.template import EndpointLinkRowAction
from markupsafe import Markup
from sqlalchemy import select
from wtforms import fields, validators

from admin.diff import diff_knowledge_bases
from admin.draft import reset_draft
from admin.forms import AdminForm
from admin.security import RoleRequired, actor
from admin.views.publishing import active_version
from admin.wording import LIST_FORMATTERS
from rules.schema import KnowledgeBase
from service.extensions import db
from service.models import RulesetVersion
from service.publishing import restore
from service.ruleset import active_ruleset


class RestoreForm(AdminForm):
    version = fields.IntegerField(validators=[validators.InputRequired()])


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

    def _diff_page(self, a, b, report=None, status: int = 200):
        changes = diff_knowledge_bases(a.snapshot if a else {}, b.snapshot)
        numbers = db.session.scalars(select(RulesetVersion.version)
                                     .order_by(RulesetVersion.version.desc())).all()
        return self.render("panel/version_diff.html", a=a, b=b, changes=changes,
                           numbers=numbers, live=active_version(), report=report,
                           form=RestoreForm(version=b.version)), status

    @expose("/restore/", methods=("POST",))
    def restore_view(self):
        """Publish an old version again, through the gate, and reset the draft to it."""
        form = RestoreForm()
        if not form.validate_on_submit():
            abort(400)
        old = _version(form.version.data)
        if old is None:
            abort(404)
        result = restore(actor(), old.version)
        if result.version is None:
            flash(f"Version {old.version} was not restored: it fails today's safety checks "
                  "below.", "error")
            return self._diff_page(_version(old.version - 1), old, result.report, status=409)
        changed = reset_draft(KnowledgeBase.model_validate(old.snapshot), actor())
        db.session.commit()
        active_ruleset().expire()
        flash(f"Version {old.version} is live again as version {result.version}. The draft "
              f"was reset to match it ({changed} items changed).", "success")
        return redirect(url_for(".index_view"))
