"""The clinicians who may sign in to the panel, and what each may do."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from service.store.models import utcnow

ROLES: tuple[str, ...] = ("viewer", "editor", "safety_officer", "publisher")
# What each role may do, as the roles whose doors it opens. The clinical safety officer
# (NHS DCB0129) sits beside the publisher, not above or below: an editor who may also
# approve a draft that makes some answer less urgent, and who may not publish. So an
# approval and the publish it allows are always two people, whoever holds which account.
ROLE_INCLUDES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"viewer"}),
    "editor": frozenset({"viewer", "editor"}),
    "safety_officer": frozenset({"viewer", "editor", "safety_officer"}),
    "publisher": frozenset({"viewer", "editor", "publisher"}),
}
ROLE_MEANINGS = {
    "viewer": "reads everything, tries intakes, changes nothing",
    "editor": "also changes the draft rules, exercises, advice and test vignettes",
    "safety_officer": "clinical safety officer: an editor who also approves, with a reason, "
                      "a draft that makes any answer less urgent; cannot publish",
    "publisher": "also publishes, restores old versions and manages accounts",
}


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(SQLModel, table=True):
    """A clinician account. The password is stored only as a salted, slow hash."""

    __tablename__ = "admin_user"  # "user" is a reserved word in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=255)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="viewer", max_length=20)
    active: bool = True
    # Part of the login session: a new password replaces it, signing out every session.
    session_token: str = Field(default_factory=new_session_token, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))

    # Flask-Login's user interface, written out: UserMixin's __eq__ would make rows
    # unhashable, and SQLAlchemy needs them hashable.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, role: str) -> bool:
        """Whether this user may do what `role` may."""
        return self.active and role in ROLE_INCLUDES.get(self.role, ())

    def __str__(self) -> str:
        return self.email
