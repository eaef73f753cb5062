"""Clinician accounts: publishers manage them; passwords are only ever stored hashed."""

from __future__ import annotations

import re

from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from wtforms import fields

from admin.models import ROLE_MEANINGS, ROLES, User
from admin.role_guard import last_holder_problems
from admin.sessions import end_sessions
from admin.views.base import PanelModelView, Problem, committed_value
from service.extensions import db

MIN_PASSWORD = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NewPasswordField(fields.PasswordField):
    """A password box that is never copied onto the row; the view stores its hash."""

    def populate_obj(self, obj, name):
        pass


def password_problem(password: str) -> str | None:
    """Why a new password is not good enough, or None."""
    if len(password) < MIN_PASSWORD:
        return f"the password must have at least {MIN_PASSWORD} characters"
    return None


class UserView(PanelModelView):
    """Accounts and roles. Only publishers see this page."""

    read_role = write_role = "publisher"
    entity = "user"
    audit_fields = ("email", "role", "active")
    can_view_details = False
    column_list = ("email", "role", "active", "created_at", "last_login_at")
    column_labels = {"created_at": "Created", "last_login_at": "Last signed in"}
    column_searchable_list = ("email",)
    column_default_sort = "email"
    form_columns = ("email", "role", "active", "new_password")
    form_overrides = {"role": fields.SelectField}
    form_extra_fields = {"new_password": NewPasswordField(
        "New password", description=f"At least {MIN_PASSWORD} characters. Leave blank to "
                                    "keep the current one. Setting it signs the user out.")}
    form_args = {"role": {"choices": {r: f"{r}: {ROLE_MEANINGS[r]}" for r in ROLES}},
                 "active": {"description": "Untick to stop this account signing in."}}

    def audit_key(self, model) -> str:
        return model.email

    def audit_state(self, model, committed: bool = False) -> dict:
        state = super().audit_state(model, committed)
        if not committed and model.password_hash != committed_value(model, "password_hash"):
            state["password"] = "changed"  # never the hash itself
        return state

    def change_problems(self, form, model, is_created) -> list[Problem]:
        problems: list[Problem] = []
        model.email = (model.email or "").strip().lower()
        if not EMAIL.match(model.email):
            problems.append(("email", "enter an email address"))
        elif db.session.scalar(select(User.id).where(User.email == model.email,
                                                       User.id != model.id)):
            problems.append(("email", "another account already has this email"))
        if model.role not in ROLES:
            problems.append(("role", f"the role must be one of {', '.join(ROLES)}"))
        password = form.new_password.data or ""
        if password or is_created:
            problem = password_problem(password)
            if problem:
                problems.append(("new_password", problem))
            else:
                model.password_hash = generate_password_hash(password)
                end_sessions(model)
        if not is_created and (model.role != committed_value(model, "role")
                               or model.active != committed_value(model, "active")):
            # A new role, or a deactivation (or re-activation): old sessions end, so no
            # session started under the old terms carries on or comes back.
            end_sessions(model)
        if not is_created:  # under a database lock: see admin/role_guard.py
            problems += [("role", p) for p in
                         last_holder_problems(model.id, model.role, bool(model.active))]
        return problems

    def delete_problems(self, model) -> list[str]:
        if model.id == current_user.id:
            return ["you cannot delete your own account"]
        with db.session.no_autoflush:
            return last_holder_problems(model.id, None, False)
