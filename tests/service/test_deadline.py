"""The request deadline (service/store/deadline.py) bounds database waits, not computing."""

from __future__ import annotations

import time

from flask import g

from service.extensions import db
from service.store import deadline


def test_a_request_that_computed_past_its_deadline_may_still_use_the_database(
        app, intake, monkeypatch):
    """A long publish or what-if spends its time computing: its last query must not be
    refused for want of time while the database answers. (On PostgreSQL a wait with no
    time left would time out at once; MIN_WAIT_SECONDS prevents it.)"""
    app.config["DATABASE_CONNECT_TIMEOUT"] = 1
    # No stall lately (another test's may have left its mark in this process).
    monkeypatch.setattr(deadline, "_last_timeout", [float("-inf")])

    @app.get("/_test/slow")
    def slow():
        time.sleep(1.3)  # past the deadline, computing
        assert deadline.remaining() == 0
        g.count = db.session.scalar(db.text("SELECT 1"))
        db.session.commit()
        return {"ok": g.count}

    # The budget is read when the app is made: add a clock that gives requests 1 s.
    deadline.init_app(app, pool_timeout=False)
    response = app.test_client().get("/_test/slow")
    assert response.status_code == 200 and response.get_json() == {"ok": 1}


def test_outside_a_request_there_is_no_deadline(app):
    with app.app_context():
        assert deadline.remaining() is None and deadline.wait_budget() is None


def test_the_sooner_deadline_wins_and_is_restored():
    with deadline.until(time.monotonic() + 5):
        with deadline.until(time.monotonic() + 60):
            assert deadline.remaining() <= 5
        with deadline.until(time.monotonic() + 1):
            assert deadline.remaining() <= 1
        assert 1 < deadline.remaining() <= 5
    assert deadline.remaining() is None


def test_sqlite_waits_for_a_lock_no_longer_than_the_request_has_left(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return  # PostgreSQL's waits: tests/service/test_database_stall.py
    seen = {}

    @app.get("/_test/busy")
    def busy():
        seen["in a request"] = db.session.scalar(db.text("PRAGMA busy_timeout"))
        return "ok"

    app.test_client().get("/_test/busy")
    with app.app_context(), db.engine.connect() as connection:  # the same pooled one
        seen["outside"] = connection.scalar(db.text("PRAGMA busy_timeout"))
    budget = app.config["DATABASE_CONNECT_TIMEOUT"] * 1000
    assert 0 < seen["in a request"] <= budget
    assert seen["outside"] == max(30, app.config["DATABASE_CONNECT_TIMEOUT"]) * 1000


def test_after_a_stall_nobody_gets_grace(monkeypatch):
    monkeypatch.setattr(deadline, "_last_timeout", [float("-inf")])
    with deadline.until(time.monotonic() + 0.2):
        assert deadline.wait_budget() == deadline.MIN_WAIT_SECONDS
        deadline.note_timeout()  # as a wait that ran out in another thread would
        assert deadline.stalling() and deadline.wait_budget() <= 0.2
    deadline._local.timed_out = False
