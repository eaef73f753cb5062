"""Panel sessions that end: on sign-out, after a fixed lifetime, and when the account changes.

A session is a signed cookie, so the server cannot delete it; a copy saved before
sign-out would stay valid until it expired. So the cookie names the account's
`session_token` (User.get_id), and the server changes that token whenever the account's
sessions must end: on sign-out, a new password, a change of role, deactivation and
re-activation. Every cookie naming an old token is refused, whoever sends it.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app, request, session

from admin.models import User, new_session_token

SIGNED_IN_AT = "signed_in_at"
BROWSER = "browser"


def _browser() -> str:
    # Only a hurdle (a thief can copy the User-Agent too); the token above is the guard.
    agent = request.headers.get("User-Agent", "")
    return hashlib.sha256(agent.encode("utf-8", "replace")).hexdigest()[:32]


def start_session() -> None:
    """Mark the session just signed in: when, and from which browser."""
    session[SIGNED_IN_AT] = int(time.time())
    session[BROWSER] = _browser()


def session_is_current() -> bool:
    """Whether this request's session is within its absolute lifetime and browser."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int):
        return False
    lifetime = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    return time.time() - signed_in_at < lifetime and session.get(BROWSER) == _browser()


def end_sessions(user: User) -> None:
    """End every session of `user`, in every browser (commit to make it so)."""
    from service.extensions import db

    token = new_session_token()
    # The signed-in user is detached from the session (admin/security.py, load_user):
    # the change goes on the row the session holds, or it would never be saved.
    row = db.session.get(User, user.id) if user.id is not None else None
    if row is not None:
        row.session_token = token
    user.session_token = token
