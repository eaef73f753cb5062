"""The panel's front door: sign in, sign out, and a home page that says what is live."""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import fields, validators

from admin.diff import diff_knowledge_bases
from admin.forms import AdminForm
from admin.security import safe_next, user_by_email
from admin.sessions import end_sessions, start_session
from admin.views.audit import visible_entries
from admin.views.publishing import active_version
from service.extensions import db
from service.store.models import AuditEntry, utcnow
from service.triage.knowledge import draft_knowledge_base

# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class LoginForm(AdminForm):
    email = fields.EmailField("Email", validators=[validators.InputRequired()],
                              render_kw={"autocomplete": "username", "autofocus": True})
    password = fields.PasswordField("Password", validators=[validators.InputRequired()],
                                    render_kw={"autocomplete": "current-password"})


class LogoutForm(AdminForm):
    """An empty form: signing out is a POST with the CSRF token."""


class PanelHomeView(AdminIndexView):
    """Home, sign-in and sign-out. Everything else in the panel needs a signed-in user."""

    @expose("/")
    def index(self):
        if not current_user.is_authenticated:
            return redirect(url_for(".login_view"))
        active = active_version()
        changes = diff_knowledge_bases(active.snapshot if active else {},
                                       draft_knowledge_base().model_dump(mode="json"))
        recent = db.session.scalars(visible_entries(select(AuditEntry))
                                    .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                    .limit(8)).all()
        return self.render("panel/home.html", active=active, changes=changes, recent=recent)

    @expose("/login/", methods=("GET", "POST"))
    def login_view(self):
        target = safe_next(request.args.get("next")) or url_for(".index")
        if current_user.is_authenticated:
            return redirect(target)
        form = LoginForm()
        if form.validate_on_submit():
            user = user_by_email(form.email.data)
            valid = check_password_hash(user.password_hash if user else _DUMMY_HASH,
                                        form.password.data)
            if user and valid and user.active:
                session.clear()  # nothing from before sign-in carries over
                login_user(user)
                start_session()  # ends SESSION_ABSOLUTE_LIFETIME later, however used
                session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME idle
                user.last_login_at = utcnow()
                db.session.commit()
                return redirect(target)
            flash("That email and password do not match an active account.", "error")
        return self.render("panel/login.html", form=form)

    @expose("/logout/", methods=("POST",))
    def logout_view(self):
        if LogoutForm().validate_on_submit():
            if current_user.is_authenticated:
                # A copy of this cookie, saved anywhere, must not outlive the sign-out.
                end_sessions(current_user)
                db.session.commit()
            logout_user()
            session.clear()
            flash("You are signed out.", "info")
        return redirect(url_for(".login_view"))
