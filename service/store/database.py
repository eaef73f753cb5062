"""Database set-up: SQLite pragmas, migrations, first-run seeding."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import Migrate
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, select, text

from service.extensions import db
from service.store import deadline
from service.store.records import json_serializer

log = logging.getLogger(__name__)

# Inside the package, so an installed wheel carries it (the Procfile's release step).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Every module that declares tables: migrations must cover them all.
MODEL_MODULES = ("service.store.models", "service.rate_limits", "admin.models",
                 "service.whatif.models")
# The revision a database made by create_all, before migrations existed, is at.
BASELINE_REVISION = "0001"
# Any constant both processes agree on: pg_advisory_lock serialises initialisation.
_INIT_LOCK_KEY = 0x5C1A71CA


def is_sqlite(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def engine_options(app: Flask) -> None:
    """Set before `db.init_app`: a busy timeout for SQLite; for servers, liveness checks
    and a connect timeout."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    # JSON columns: text already encoded (a stored outcome) is kept as it is.
    options.setdefault("json_serializer", json_serializer)
    # An error's message must never carry the statement's values (a whole intake).
    options.setdefault("hide_parameters", True)
    timeout = app.config["DATABASE_CONNECT_TIMEOUT"]
    if is_sqlite(app):
        # Outside a request (the command line) a lock is waited for this long; a request
        # waits only until its deadline (service/store/deadline.py).
        options.setdefault("connect_args", {}).setdefault("timeout", max(30, timeout))
        create_private_file(app.config["SQLALCHEMY_DATABASE_URI"])
    else:
        options.setdefault("pool_pre_ping", True)
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            # libpq waits for ever by default: a database that stops answering would
            # hold every request (and the record writer's turn) until TCP gave up.
            # Keepalives and a TCP user timeout find a dead network path; a server that
            # is reachable but silent is left to each request's deadline.
            connect_args = options.setdefault("connect_args", {})
            connect_args.setdefault("connect_timeout", timeout)
            for name, value in (("keepalives", 1), ("keepalives_idle", 30),
                                ("keepalives_interval", 10), ("keepalives_count", 3),
                                ("tcp_user_timeout", timeout * 1000)):
                connect_args.setdefault(name, value)
    # A pool of its own choosing (NullPool, an in-memory database's) takes no pool_timeout.
    pooled = "poolclass" not in options and ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]
    deadline.init_app(app, pool_timeout=pooled)


def create_private_file(uri: str) -> None:
    """Create a new SQLite database file readable by its owner alone (0600): it holds
    health data. SQLite gives its -wal and -shm files the database file's permissions."""
    path = make_url(uri).database
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another worker made it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def configure_engine(app: Flask) -> None:
    """Requests' deadlines on every engine; SQLite: WAL so readers never block the
    writer, and foreign keys on."""
    with app.app_context():
        deadline.watch_engine(db.engine)
        if is_sqlite(app):
            _sqlite_pragmas(db.engine)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def sqlite_file(engine: Engine) -> str | None:
    """The file of an SQLite database; None for an in-memory one or another database."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return database


def writer_lock_path(engine: Engine) -> str | None:
    """The lock file the triage record writers take turns by (service/store/records.py): beside
    an SQLite file, as the processes share its folder. None for anything else."""
    path = sqlite_file(engine)
    if path is None or path.startswith("file:"):  # a URI filename would need parsing
        return None
    return os.path.abspath(path) + ".write-lock"


def writer_engine(app: Flask) -> Engine:
    """An engine of one connection, for the triage record writer alone (service/store/records.py).

    Only the thread holding the writer's turn uses it, so it never waits for a pooled
    connection that a request queued behind that turn is holding. An in-memory SQLite
    database exists only inside its own engine, so it keeps the app's.
    """
    with app.app_context():
        shared = db.engine
    if shared.dialect.name == "sqlite" and sqlite_file(shared) is None:
        return shared
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if "poolclass" not in options:  # a pool chosen in the configuration is kept
        options.update(pool_size=1, max_overflow=0)
    engine = create_engine(shared.url, **options)
    deadline.watch_engine(engine)
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    return engine


@event.listens_for(db.metadata, "after_drop")
def _forget_migration_history(_metadata, connection, **_kw) -> None:
    # After db.drop_all() the history would still claim every table exists, and the next
    # upgrade would create nothing: drop the history with the tables it describes.
    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate: the `db` command group and the migrations folder."""
    if "migrate" in app.extensions:
        return
    # Batch mode, so a revision that alters a table also runs on SQLite.
    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)


def import_models() -> None:
    """Import every models module, so the metadata holds every table."""
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # the module exists but an import inside it failed
                raise


def head_revision() -> str:
    """The newest revision in the migrations folder."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None if migrations never ran on it."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema() -> None:
    """Apply every migration not yet applied (what `sciatica-triage db upgrade` does)."""
    config = current_app.extensions["migrate"].migrate.get_config()
    with db.engine.connect() as connection:
        unversioned = current_revision(connection) is None
        created_by_hand = inspect(connection).has_table("rulesetversion")
    if unversioned and created_by_hand:
        # Made by create_all before there were migrations: that schema is the baseline.
        log.warning("database has tables but no migration history: stamping %s",
                    BASELINE_REVISION)
        command.stamp(config, BASELINE_REVISION)
    command.upgrade(config, "head")


@contextmanager
def _exclusive_initialisation() -> Iterator[None]:
    """One process at a time migrates and seeds (several may start at once)."""
    if db.engine.dialect.name == "sqlite":
        # A lock file beside the database: the processes share its folder, not a server.
        path = sqlite_file(db.engine)
        if path is None:
            yield
            return
        with os.fdopen(os.open(f"{path}.init-lock", os.O_RDWR | os.O_CREAT, 0o600)) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _INIT_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": _INIT_LOCK_KEY})


def initialise_database() -> int | None:
    """Migrate to the newest schema; on an empty database seed the defaults and publish.

    Returns the version published, or None when the database already had one.
    """
    with _exclusive_initialisation():
        upgrade_schema()
        return _seed_and_publish_if_empty()


def _seed_and_publish_if_empty() -> int | None:
    from service.store.models import RulesetVersion
    from service.triage.knowledge import seed_draft
    from service.triage.publishing import publish

    if db.session.scalar(select(RulesetVersion.id).limit(1)) is not None:
        db.session.rollback()  # end the read, so no transaction is left open
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
