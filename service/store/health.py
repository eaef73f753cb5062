"""Whether the database can store an intake now, asked quickly (for /healthz)."""

from __future__ import annotations

import logging
import time

from flask import current_app
from sqlalchemy.exc import DBAPIError

from service.extensions import db
from service.store import deadline
from service.store.records import TurnTimeout

log = logging.getLogger(__name__)

#: A health check waits at most this long for the database (or less, if the request's
#: own deadline comes sooner): an orchestrator polling it must not pile up requests.
#: Room for one reconnect: after a stall the pool's pre-ping may find a broken
#: connection, and libpq's shortest connect (2 s, deadline.MIN_CONNECT_SECONDS) must
#: still fit, or a worker would report the database down long after it is back.
HEALTH_SECONDS = 3.0


def database_answers() -> bool:
    """True if the database answers and would take a write within HEALTH_SECONDS.

    On SQLite a read succeeds even while another process holds the write lock (WAL), so
    the check takes the write lock and lets it go (BEGIN IMMEDIATE; ROLLBACK): what an
    intake needs. On PostgreSQL a round trip (SELECT 1) is what can stall.
    """
    try:
        with deadline.until(time.monotonic() + HEALTH_SECONDS):
            if db.engine.dialect.name != "sqlite":
                with db.engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
                return True
            # In turn with the record writers (a fair queue, not SQLite's polling), so a
            # busy service is not reported down for want of a gap between batches.
            records = current_app.extensions["sciatica_records"]
            with records.held_turn(), db.engine.connect() as connection:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.exec_driver_sql("ROLLBACK")
        return True
    except (DBAPIError, TurnTimeout) as error:
        log.warning("health check: the database did not answer (%s)", error)
        return False
