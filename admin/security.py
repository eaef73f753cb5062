"""Who is signed in, and what their role lets them reach: checked on every admin view."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, has_request_context, redirect, request, url_for
from flask_login import LoginManager, current_user
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from admin.models import User
from admin.sessions import session_is_current
from service.extensions import db
from service.rate_limits import SharedLimit, client_address

login_manager = LoginManager()
# Flask-Login's "strong" protection only marks a permanent session stale; the checks in
# load_user (admin/sessions.py) refuse it instead.
login_manager.session_protection = None

SIGN_IN_LIMIT = 10  # a minute, per address
WRITE_ENDPOINTS = frozenset(
    {"create_view", "edit_view", "delete_view", "action_view", "ajax_update"})


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, if the account is still active and the session still current."""
    pk, _, token = user_id.partition(":")
    user = db.session.get(User, int(pk)) if pk.isdigit() else None
    if user is None or not user.active or user.session_token != token:
        return None
    if has_request_context() and not session_is_current():
        return None
    # Detached: who signed in, as at the start of this request. A refused save rolls the
    # session back, which would expire an attached row; had another publisher deleted
    # this account meanwhile, drawing the refusal would then fail with a 500.
    db.session.expunge(user)
    return user


def init_login(app: Flask) -> None:
    """Bind Flask-Login to `app`."""
    login_manager.init_app(app)
    login_manager.login_view = "admin.login_view"


def limit_sign_in(app: Flask) -> None:
    """At most SIGN_IN_LIMIT sign-in posts a minute from one address: slows password
    guessing. Counted in the database, so every worker (and server) counts together.

    Call after the panel's views are registered. Only the sign-in view is wrapped, so no
    other request pays for the check.
    """
    limiter = SharedLimit("sign-in", SIGN_IN_LIMIT, 60)
    view = app.view_functions["admin.login_view"]

    @wraps(view)
    def limited_view(*args, **kwargs):
        if request.method == "POST":
            wait = limiter.hit(client_address())
            if wait is not None:
                raise TooManyRequests(
                    "Too many sign-in attempts from this address. Please wait a minute "
                    "and try again.", retry_after=wait)
        return view(*args, **kwargs)

    app.view_functions["admin.login_view"] = limited_view


def allowed(role: str | None) -> bool:
    """Whether the current user has at least `role`; None is a door nobody may open."""
    return bool(role and current_user.is_authenticated and current_user.has_role(role))


def actor() -> str:
    """The signed-in user's email, for the audit log."""
    return current_user.email


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def is_plain_path_text(text: str) -> bool:
    """No control characters or backslashes: such a value could split a Location header
    (a 500) or be read by a browser as another site (`/\\evil.example`)."""
    return not any(ord(c) < 0x20 or c in "\x7f\\" for c in text)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path inside the panel, so login never redirects off-site."""
    if not target or not is_plain_path_text(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return None
    return target


#: flask-admin pages of lists; beyond this an offset overflows the database's integers.
MAX_PAGE = 1_000_000


def refuse_crafted_arguments() -> None:
    """400 for a page number no list has, or a return address that is not a plain path:
    flask-admin would pass either on, to the database or a Location header, and fail."""
    page = request.args.get("page")
    if page is not None and not (page.isdigit() and int(page) <= MAX_PAGE):
        abort(400, description=f"page must be a whole number from 0 to {MAX_PAGE}")
    for name in ("url", "return_url"):
        value = request.values.get(name)
        if value is not None and not is_plain_path_text(value):
            abort(400, description=f"{name} must be an address within the panel")


class RoleRequired:
    """Mixin for admin views: reading needs `read_role`; changing needs `write_role`.

    Every endpoint is checked on the server, so a crafted URL or a direct POST gets 403,
    not just a hidden button. `endpoint_roles` raises the bar for named endpoints.
    """

    read_role = "viewer"
    write_role: str | None = "editor"  # None: a read-only view, nobody writes
    endpoint_roles: dict[str, str] = {}
    allow_create = allow_edit = allow_delete = True

    def required_role(self, endpoint: str) -> str | None:
        if endpoint in self.endpoint_roles:
            return self.endpoint_roles[endpoint]
        return self.write_role if endpoint in WRITE_ENDPOINTS else self.read_role

    def is_accessible(self) -> bool:
        return allowed(self.read_role)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("admin.login_view", next=request.full_path.rstrip("?")))
        # A page that says which role is needed, not a bare "Forbidden".
        return self.render("panel/forbidden.html", needed=self.required_role(name)), 403

    def _handle_view(self, name, **kwargs):
        if not allowed(self.required_role(name)):
            return self.inaccessible_callback(name, **kwargs)
        refuse_crafted_arguments()
        return None

    def _may_write(self, allow: bool) -> bool:
        # Outside a request (flask-admin setting up) only the class's own setting counts.
        return allow and (not has_request_context() or allowed(self.write_role))

    @property
    def can_create(self) -> bool:
        return self._may_write(self.allow_create)

    @property
    def can_edit(self) -> bool:
        return self._may_write(self.allow_edit)

    @property
    def can_delete(self) -> bool:
        return self._may_write(self.allow_delete)
