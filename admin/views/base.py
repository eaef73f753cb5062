"""The base of every table the panel edits: role checks, CSRF, validation and audit."""

from __future__ import annotations

from flask import render_template
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.template import BaseListRowAction, DeleteRowAction
from markupsafe import Markup
from pydantic_core import to_jsonable_python
from sqlalchemy import inspect as sa_inspect
from wtforms.validators import ValidationError

from admin.forms import AdminForm, SQLModelConverter, SQLModelFilters
from admin.security import RoleRequired, actor
from admin.wording import DETAIL_FORMATTERS, LIST_FORMATTERS
from service.extensions import db
from service.store.audit import record_change
from service.store.models import utcnow

Problem = tuple[str | None, str]  # (the form field it is about, or None; the message)


def committed_value(model, key: str):
    """An attribute's value as last loaded from the database, before this form's edits."""
    history = sa_inspect(model).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(model, key)


class ConfirmedDeleteRowAction(BaseListRowAction):
    """flask-admin's row delete button asks first through an inline onclick, which the
    strict CSP blocks, so it would delete without asking; this one asks via panel.js."""

    def render(self, context, row_id, row):
        return Markup(render_template(
            "panel/_delete_row.html", form=context.resolve("delete_form"), row_id=row_id,
            return_url=context.resolve("return_url"), name=getattr(row, "slug", row_id),
            action=context.resolve("get_url")(".delete_view")))


class PanelModelView(RoleRequired, ModelView):
    """A ModelView whose every save is validated, stamped and audited in one transaction.

    Subclasses name the audit `entity` and `audit_fields`, and say what is wrong with a
    change in `change_problems` and with a deletion in `delete_problems`.
    """

    form_base_class = AdminForm
    list_template = "panel/list.html"  # its menu bar without inline script (CSP)
    create_template = "panel/create.html"  # its tabs without javascript: links
    edit_template = "panel/edit.html"
    details_template = "panel/details.html"
    model_form_converter = SQLModelConverter
    filter_converter = SQLModelFilters()
    can_view_details = True
    column_type_formatters = LIST_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS
    # Bulk delete is off: each deletion is checked for references and audited on its own.
    action_disallowed_list = ["delete"]
    page_size = 50
    entity = ""
    audit_fields: tuple[str, ...] = ()

    def get_list_row_actions(self):
        return [ConfirmedDeleteRowAction() if isinstance(a, DeleteRowAction) else a
                for a in super().get_list_row_actions()]

    def create_form(self, obj=None):
        form = super().create_form(obj)
        order = getattr(form, "display_order", None)
        if order is not None and order.data in (None, 0) and not order.raw_data:
            # A new row goes at the end of its list unless the person says otherwise.
            last = db.session.scalar(db.select(db.func.max(self.model.display_order)))
            order.data = (last or 0) + 1
        return form

    def build_new_instance(self):
        return self.model()  # SQLModel's __init__ fills the default factories

    def audit_key(self, model) -> str:
        return str(model.slug)

    def _key(self, model) -> str:
        return self.audit_key(model)[:80]  # AuditEntry.entity_key holds 80 characters

    def audit_state(self, model, committed: bool = False) -> dict:
        read = committed_value if committed else getattr
        return {f: to_jsonable_python(read(model, f)) for f in self.audit_fields}

    def change_problems(self, form, model, is_created: bool) -> list[Problem]:
        """Why this create or update must not be saved; empty when it may."""
        return []

    def delete_problems(self, model) -> list[str]:
        """Why this row must not be deleted; empty when it may."""
        return []

    def on_model_change(self, form, model, is_created):
        with db.session.no_autoflush:  # the new row must not be flushed half-checked
            problems = self.change_problems(form, model, is_created)
        if problems:
            for name, message in problems:
                errors = getattr(getattr(form, name, None), "errors", None) if name else None
                if isinstance(errors, list):
                    errors.append(message)
            raise ValidationError("Not saved: " + "; ".join(m for _, m in problems) + ".")
        before = None if is_created else self.audit_state(model, committed=True)
        after = self.audit_state(model)
        if before == after:
            return  # saved without changes: nothing to audit or stamp
        if hasattr(model, "updated_by"):
            model.updated_by = actor()
            model.updated_at = utcnow()
        record_change(actor(), "create" if is_created else "update", self.entity,
                      self._key(model), before, after)

    def on_model_delete(self, model):
        problems = self.delete_problems(model)
        if problems:
            raise ValidationError("Not deleted: " + "; ".join(problems) + ".")
        record_change(actor(), "delete", self.entity, self._key(model),
                      self.audit_state(model), None)
