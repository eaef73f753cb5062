"""The last holder of a protected role cannot be removed, even by two people at once.

Two publishers demoting each other at the same moment each saw the other still a
publisher, and both changes were saved: nobody could publish any more. So every change
to an account first takes a database lock held until its transaction ends, and only
then counts, from the database, who holds each protected role.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from admin.models import User
from service.extensions import db

# Roles that must never be left without an active holder once someone has one.
# `safety_officer` approves downgrades (issue 12); it is added to ROLES on another
# branch, and is harmless here meanwhile: with nobody holding it there is no last one.
PROTECTED_ROLES: dict[str, str] = {
    "publisher": "at least one active publisher must remain, or nobody could publish",
    "safety_officer": "at least one active safety officer must remain, or nobody could "
                      "approve a draft that changes what patients are told",
}
# Any constant every process agrees on (pg_advisory_xact_lock takes a bigint).
_ROLE_CHANGE_LOCK = 0x5C1A_0ACC


def serialise_account_changes() -> None:
    """Hold the account-change lock until the session's transaction ends."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Released by the commit or rollback; READ COMMITTED reads after it see the
        # change the previous holder committed.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": _ROLE_CHANGE_LOCK})
    elif dialect == "sqlite":
        driver = connection.connection.driver_connection
        # pysqlite begins a transaction only at the first write: none yet means no lock
        # held, so take SQLite's one write lock now, before counting. One already begun
        # has written, and so already holds that lock.
        if not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def last_holder_problems(user_id: int | None, role: str | None, active: bool) -> list[str]:
    """Why giving account `user_id` this role and state (None: deleting it) would leave a
    protected role with nobody. Takes the account-change lock first."""
    serialise_account_changes()
    if user_id is None:
        return []  # a new account removes nobody
    # Columns, not the ORM row: the values committed now, not those loaded earlier.
    stored = db.session.execute(
        select(User.role, User.active).where(User.id == user_id)).one_or_none()
    if stored is None or not stored.active or stored.role not in PROTECTED_ROLES:
        return []
    if active and role == stored.role:
        return []
    holders = db.session.scalar(select(func.count(User.id)).where(
        User.role == stored.role, User.active.is_(True)))
    return [PROTECTED_ROLES[stored.role]] if holders <= 1 else []
