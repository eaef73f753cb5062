"""Fixtures: an app on a fresh database (SQLite file, or PostgreSQL via TEST_DATABASE_URL).

TEST_DATABASE_URL names a database the tests own: every test starts by emptying it.
"""

from __future__ import annotations

import copy
import json
import os
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


@pytest.fixture
def app(tmp_path):
    """An app with the default knowledge base published as version 1."""
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
        "SECRET_KEY": "test-only-secret",
        "RULESET_POLL_SECONDS": 0.0,
    })
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
