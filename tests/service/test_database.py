"""The database: URLs from the environment, SQLite pragmas, first-run set-up."""

import os

import pytest
from sqlalchemy import func, inspect, select, text

from service import close_app, create_app
from service.extensions import db
from service.settings import database_url, normalise_database_url
from service.store.database import current_revision, head_revision, initialise_database
from service.store.models import RulesetVersion

ON_POSTGRESQL = bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.mark.parametrize("given, used", [
    ("postgres://u:p@db.example:5432/triage", "postgresql+psycopg://u:p@db.example:5432/triage"),
    ("postgresql://u@localhost/triage", "postgresql+psycopg://u@localhost/triage"),
    ("postgresql+psycopg://u@localhost/triage", "postgresql+psycopg://u@localhost/triage"),
    ("sqlite:////var/data/triage.db", "sqlite:////var/data/triage.db"),
])
def test_database_urls_are_normalised_for_psycopg_3(given, used):
    assert normalise_database_url(given) == used


def test_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "test-only-secret")
    monkeypatch.setenv("DATABASE_URL", " postgres://u@db.example/triage ")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/triage"
    assert app.extensions["migrate"].db is db


def test_without_database_url_a_sqlite_file_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(str(tmp_path)) == f"sqlite:///{tmp_path / 'sciatica-triage.db'}"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(tmp_path):
    # Its own SQLite app, so this runs in the PostgreSQL pass of the suite as well.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'pragmas.db'}",
                      "SECRET_KEY": "test"})
    try:
        with app.app_context():
            db.engine.dispose()  # a new connection: the pragmas must come with every one
            with db.engine.connect() as connection:
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        # Python 3.13 warns of an SQLite connection left open (an error here): close it.
        close_app(app)


def test_initialise_migrates_seeds_and_publishes_version_1_once(app):
    with app.app_context():
        with db.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        assert db.session.scalars(select(RulesetVersion.version)).all() == [1]
        assert initialise_database() is None  # a second run (every release) changes nothing
        assert db.session.scalar(select(func.count(RulesetVersion.id))) == 1


def test_a_database_made_by_create_all_is_adopted_not_recreated(app):
    """Before migrations the schema came from create_all: that database must upgrade."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            assert not inspect(connection).has_table("alembic_version")
        db.create_all()  # what the service did before it had migrations
        assert initialise_database() == 1
        with db.engine.connect() as connection:
            assert current_revision(connection) == head_revision()


def test_drop_all_forgets_the_migration_history(app):
    """Otherwise the next upgrade would believe the dropped tables still exist."""
    with app.app_context():
        db.drop_all()
        assert initialise_database() == 1
        assert db.session.scalars(select(RulesetVersion.version)).all() == [1]
