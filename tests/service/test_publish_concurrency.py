"""Two processes publishing at once end with one linear version history.

Each child builds its own app on the test database (as a second gunicorn worker or a
second machine would), waits at a barrier, then publishes. Children are spawned, not
forked, so they share no engine or connection with pytest.
"""

import multiprocessing
import os
import queue
import time

from sqlalchemy import func, select

from service.extensions import db
from service.store.models import AuditEntry, RulesetVersion

PUBLISHES_EACH = 8


def _app(uri: str):
    from service import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri,
                       "SECRET_KEY": "test-only-secret"})


def _publish_many(uri: str, barrier, count: int, results) -> None:
    from service.triage.publishing import publish

    app = _app(uri)
    with app.app_context():
        barrier.wait(timeout=60)
        versions = [publish(f"publisher-{os.getpid()}", note="race").version
                    for _ in range(count)]
        db.engine.dispose()
    results.put(versions)


def _initialise(uri: str, barrier, results) -> None:
    from service.store.database import initialise_database

    app = _app(uri)
    with app.app_context():
        barrier.wait(timeout=60)
        results.put(initialise_database())
        db.engine.dispose()


def run_at_once(target, uri: str, *args) -> list:
    """Run `target(uri, barrier, *args, results)` in two processes; their results."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    children = [context.Process(target=target, args=(uri, barrier, *args, results))
                for _ in range(2)]
    for child in children:
        child.start()
    found, deadline = [], time.monotonic() + 120
    while len(found) < len(children):
        try:
            found.append(results.get(timeout=0.5))
        except queue.Empty:
            failed = [c.exitcode for c in children if c.exitcode not in (None, 0)]
            assert not failed, f"a child process failed: exit codes {failed}"
            assert time.monotonic() < deadline, "the children did not finish in time"
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    return found


def test_two_publishers_at_once_leave_versions_1_to_1_plus_2n(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = run_at_once(_publish_many, uri, PUBLISHES_EACH)
    assert None not in first + second  # every publish went through: none lost
    assert sorted(first + second) == list(range(2, 2 + 2 * PUBLISHES_EACH))
    with app.app_context():
        stored = db.session.scalars(select(RulesetVersion.version)
                                    .order_by(RulesetVersion.id)).all()
        published = db.session.scalar(select(func.count(AuditEntry.id))
                                      .where(AuditEntry.action == "publish"))
    assert sorted(stored) == list(range(1, 2 + 2 * PUBLISHES_EACH))
    assert published == 1 + 2 * PUBLISHES_EACH  # a lost race leaves no audit entry behind


def test_two_processes_initialising_an_empty_database_publish_version_1_once(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.drop_all()
    outcomes = run_at_once(_initialise, uri)
    assert sorted(outcomes, key=str) == [1, None]
    with app.app_context():
        assert db.session.scalars(select(RulesetVersion.version)).all() == [1]
