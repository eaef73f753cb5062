"""App factories gunicorn loads for the benchmarks (`bench.apps:bare_app()` and friends)."""

from __future__ import annotations

import os

from flask import Flask, jsonify, request


def bare_app() -> Flask:
    """The floor: Flask reads the same JSON body and answers a small JSON, nothing else."""
    app = Flask(__name__)

    @app.post("/api/v1/triage")
    def triage():
        intake = request.get_json()
        return jsonify({"triage_level": "self_care", "fields": len(intake)})

    return app


def bare_storing_app() -> Flask:
    """A bare Flask endpoint that also commits each body as one row, as any durable service
    must: plain SQLAlchemy Core on the SQLite file in DATABASE_URL (WAL, synchronous FULL,
    the service's own settings), one transaction per request, no ORM, no group commit.

    Not a target: it shows what storing one row costs a bare endpoint on this machine.
    """
    from sqlalchemy import JSON, Column, Integer, MetaData, Table, create_engine, event

    engine = create_engine(os.environ["DATABASE_URL"])

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    metadata = MetaData()
    rows = Table("bare_rows", metadata, Column("id", Integer, primary_key=True),
                 Column("body", JSON, nullable=False))
    with engine.begin() as connection:  # both workers may get here at once
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS bare_rows "
                                   "(id INTEGER PRIMARY KEY, body JSON NOT NULL)")
    insert = rows.insert()
    app = Flask(__name__)

    @app.post("/api/v1/triage")
    def triage():
        intake = request.get_json()
        with engine.begin() as connection:
            connection.execute(insert, {"body": intake})
        return jsonify({"triage_level": "self_care", "fields": len(intake)})

    return app


def service_floor_app() -> Flask:
    """The service's own app (its extensions and response hooks), with a do-nothing POST."""
    from service import create_app
    from service.extensions import csrf

    app = create_app()

    @csrf.exempt
    @app.post("/bench/floor")
    def floor():
        intake = request.get_json()
        return jsonify({"triage_level": "self_care", "fields": len(intake)})

    return app


def tagged_triage_app() -> Flask:
    """The real service, each response naming the worker process that answered it."""
    from service import create_app

    app = create_app()

    @app.after_request
    def name_the_worker(response):
        response.headers["X-Bench-Worker"] = str(os.getpid())
        return response

    return app


def triage_not_stored_app() -> Flask:
    """DIAGNOSTIC ONLY, never a way to run the service: triage with the write removed.

    Everything else is the real service. It answers one question: how fast would triage
    be if storing each intake cost nothing? (bench.http --diagnose)
    """
    from service import create_app

    app = create_app()
    app.extensions["sciatica_records"].store = lambda **row: None
    return app


def triage_sqlite_normal_sync_app() -> Flask:
    """DIAGNOSTIC ONLY: triage with SQLite's `synchronous=NORMAL` (no fsync per commit).

    In WAL mode a crash of the process loses nothing, but a power cut or an operating
    system crash can lose the last commits: a durability trade-off the service does not
    make. Measured to show what fsync costs. (bench.http --diagnose)
    """
    from sqlalchemy import event

    from service import create_app

    app = create_app()

    @event.listens_for(app.extensions["sciatica_records"].engine, "connect")
    def _normal(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return app


def triage_waiting_app() -> Flask:
    """DIAGNOSTIC ONLY: triage with the write replaced by a wait of BENCH_WAIT_SECONDS.

    The wait is as long as one commit takes on this machine (bench.http measures it), but
    costs no CPU and writes nothing. It answers: how much of storing's cost is the wait
    itself, the request's thread blocked until its row is durable? (bench.http --diagnose)
    """
    import time

    from service import create_app

    app = create_app()
    wait = float(os.environ["BENCH_WAIT_SECONDS"])
    app.extensions["sciatica_records"].store = lambda **row: time.sleep(wait)
    return app
