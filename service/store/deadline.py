"""Every request's wait for the database ends: at DATABASE_CONNECT_TIMEOUT after it began.

A database that accepts connections but stops answering (a hung server, a half-open
network path) would hold a request for as long as TCP keeps the connection, and with
every thread so held, `/` and `/healthz` stop answering too. A server-side
statement_timeout cannot help: the server never sees the statement. So the deadline is
kept by the client:

- each request gets a deadline when it begins (`DATABASE_CONNECT_TIMEOUT` seconds on);
- on PostgreSQL every wait of psycopg (execute, commit, ping) ends at that deadline;
  the connection is then closed (its protocol state is unknown) and the error is a
  disconnect, so the pool drops it; a new connection's connect_timeout is what is left;
- on SQLite the busy timeout of each checked-out connection is what is left;
- the pool's wait for a free connection is DATABASE_CONNECT_TIMEOUT.

Outside a request (the command line: migrations, purge) there is no deadline, as before.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import Engine, event

_local = threading.local()

#: However little time is left, a new connection gets this long (libpq's minimum).
MIN_CONNECT_SECONDS = 2
#: However little time is left, one wait gets this long: a request that spent its time
#: computing (a publish) may still commit, and SQLite still waits out a brief lock. A
#: stalled database costs at most this beyond the deadline, as the first wait that
#: times out ends the request's use of the database.
MIN_WAIT_SECONDS = 1.0


def current() -> float | None:
    """This thread's deadline (time.monotonic()), or None for no deadline."""
    return getattr(_local, "deadline", None)


def remaining() -> float | None:
    """Seconds left before this thread's deadline (never negative), or None."""
    deadline = current()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def wait_budget() -> float | None:
    """How long one wait for the database may take now: what is left (at least
    MIN_WAIT_SECONDS until a wait of this request has run out), or None (no deadline)."""
    left = remaining()
    if left is None or stalling():
        return left  # once the database has stalled, no grace
    return max(left, MIN_WAIT_SECONDS)


#: After a wait ran out anywhere in the process, this long without grace for anyone.
STALL_MEMORY_SECONDS = 30.0
_last_timeout = [float("-inf")]


def note_timeout() -> None:
    """Record that a wait for the database ran out (in this request, and lately)."""
    _local.timed_out = True
    _last_timeout[0] = time.monotonic()


def stalling() -> bool:
    """Whether the database has lately stalled: a wait of this request, or of any
    thread in the last STALL_MEMORY_SECONDS, ran out. Then deadlines are kept strictly."""
    return (getattr(_local, "timed_out", False)
            or time.monotonic() - _last_timeout[0] < STALL_MEMORY_SECONDS)


@contextmanager
def until(deadline: float | None) -> Iterator[None]:
    """Within the block, this thread's deadline is `deadline` if that is sooner."""
    before = current()
    if deadline is not None and (before is None or deadline < before):
        _local.deadline = deadline
    try:
        yield
    finally:
        _local.deadline = before


def init_app(app: Flask, pool_timeout: bool = True) -> None:
    """Give each request its deadline, and the pool its timeout."""
    budget = app.config["DATABASE_CONNECT_TIMEOUT"]
    if pool_timeout:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_timeout", budget)

    @app.before_request
    def start_the_clock():
        _local.deadline = time.monotonic() + budget
        _local.timed_out = False

    @app.teardown_request
    def stop_the_clock(_error=None):
        _local.deadline = None
        _local.timed_out = False


def watch_engine(engine: Engine) -> None:
    """Hold `engine`'s connections to the deadline of the thread using them."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "checkout", _sqlite_busy_wait)
    elif engine.dialect.driver == "psycopg":
        event.listen(engine, "do_connect", _psycopg_connect)


def _sqlite_busy_wait(dbapi_connection, record, _proxy) -> None:
    # How long SQLite retries a locked database before "database is locked": the time
    # the request has left, or outside a request the connection's own (its `timeout`).
    default = record.info.get("busy_ms")
    if default is None:
        default = record.info["busy_ms"] = dbapi_connection.execute(
            "PRAGMA busy_timeout").fetchone()[0]
    left = wait_budget()
    busy_ms = default if left is None else int(left * 1000)
    dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_ms}")


def _psycopg_connect(_dialect, _record, cargs, cparams):
    import psycopg

    from service.store.pg_deadline import DeadlineConnection

    left = remaining()
    if left is not None:
        if stalling():
            # e.g. pre-ping reconnecting after a ping that ran out: libpq's shortest
            # connect (2 s) must fit in what is left, or it is not tried.
            if left < MIN_CONNECT_SECONDS:
                raise psycopg.OperationalError("no time left to connect before the deadline")
            cparams["connect_timeout"] = int(left)
        else:
            cparams["connect_timeout"] = max(MIN_CONNECT_SECONDS, math.ceil(left))
    try:
        return DeadlineConnection.connect(*cargs, **cparams)
    except psycopg.errors.ConnectionTimeout:
        note_timeout()  # a server that accepts and never answers: it stalls
        raise
