"""Database set-up: SQLite pragmas, first-run creation and seeding."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event, select

from service.extensions import db

log = logging.getLogger(__name__)


def is_sqlite(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def engine_options(app: Flask) -> None:
    """Set before `db.init_app`: a busy timeout for SQLite, liveness checks for servers."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if is_sqlite(app):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    else:
        options.setdefault("pool_pre_ping", True)


def configure_engine(app: Flask) -> None:
    """SQLite: WAL so readers never block the writer, and foreign keys on."""
    if not is_sqlite(app):
        return
    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()


def initialise_database() -> int | None:
    """Create missing tables; on a fresh database seed the defaults and publish them.

    Returns the version published, or None when the database already had one.
    """
    from service.knowledge import seed_draft
    from service.models import RulesetVersion
    from service.publishing import publish

    db.create_all()
    if db.session.scalar(select(RulesetVersion.id).limit(1)) is not None:
        return None
    seed_draft()
    db.session.commit()
    result = publish("system", note="the default knowledge base")
    if result.version is None:
        raise RuntimeError(
            "the default knowledge base failed its own safety checks: "
            + "; ".join(result.report.problems
                        + [f"{v.slug}: {', '.join(v.problems)}" for v in result.report.failures]))
    log.info("created the database and published the default knowledge base as version %d",
             result.version)
    return result.version
