"""Fixtures: an app on a fresh database (SQLite file, or PostgreSQL via TEST_DATABASE_URL).

TEST_DATABASE_URL names a database the tests own: every test starts by emptying it.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from importlib import resources

import pytest
from sqlalchemy import text

from service import close_app, create_app
from service.extensions import db
from service.store.database import initialise_database

PUBLIC_VIGNETTES = json.loads(
    resources.files("service").joinpath("data/vignettes_public.json").read_text("utf-8"))


def database_uri(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'test.db'}"
    from service.settings import normalise_database_url

    return normalise_database_url(url)


def empty_database() -> None:
    """Drop every table, the migration history included (a SQLite file is new already)."""
    if db.engine.dialect.name != "postgresql":
        return
    # The schema, not the model tables: a test may leave tables or types no model names.
    with db.engine.begin() as connection:
        # A connection some earlier test leaked would block the drop: fail, do not hang.
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def _app(uri: str):
    return create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-only-secret",
        "RULESET_POLL_SECONDS": 0.0,
    })


@pytest.fixture(scope="session")
def initialised_sqlite(tmp_path_factory):
    """A SQLite file taken once through initialise_database, as a first deploy takes it
    (migrations, seed, publish version 1), for each test's app to start from a copy of.

    Initialising takes a quarter of a second, most of it the default knowledge base's
    YAML and the gate's probes; a copy takes a millisecond, and holds the same rows. The
    first-deploy path itself is tested where it is the subject (tests/test_first_run.py,
    tests/service/test_migrations.py, test_publish_concurrency.py). None on PostgreSQL,
    where each test empties the database and initialises it afresh.
    """
    if os.environ.get("TEST_DATABASE_URL"):
        return None
    path = tmp_path_factory.mktemp("initialised") / "test.db"
    app = _app(f"sqlite:///{path}")
    with app.app_context():
        initialise_database()
    close_app(app)  # every connection closed: the WAL is checkpointed into the file
    assert not path.with_name("test.db-wal").exists(), "the template is not one file"
    return path


@pytest.fixture
def app(tmp_path, initialised_sqlite):
    """An app with the default knowledge base published as version 1."""
    if initialised_sqlite is not None:
        shutil.copyfile(initialised_sqlite, tmp_path / "test.db")
    app = _app(database_uri(tmp_path))
    if initialised_sqlite is None:
        with app.app_context():
            empty_database()
            initialise_database()  # migrations, seed, publish: the path a first deploy takes
    yield app
    close_app(app)  # no connection may outlive the test: the next one drops all


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def intake():
    """A valid intake with no red flags: a copy the test may change."""
    return {
        "age": 40, "sex": "female", "days_since_onset": 10, "pain_score": 4,
        "leg_pain": "above_knee", "leg_weakness": "none", "saddle_numbness": False,
        "bladder_bowel_change": False, "sexual_dysfunction": False, "fever": False,
        "iv_drug_use": False, "immunosuppressed": False, "recent_infection": False,
        "cancer_history": False, "unexplained_weight_loss": False, "night_pain": False,
        "thoracic_pain": False, "major_trauma": False, "minor_trauma": False,
        "osteoporosis": False, "long_term_steroids": False, "walking_minutes": 20,
    }


@pytest.fixture
def vignettes():
    return copy.deepcopy(PUBLIC_VIGNETTES)
