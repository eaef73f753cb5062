"""A psycopg connection whose every wait ends at the thread's deadline (store/deadline.py)."""

from __future__ import annotations

import psycopg
from psycopg import errors

from service.store import deadline


class DeadlineConnection(psycopg.Connection):
    """psycopg.Connection, but no wait for the server outlasts the thread's deadline."""

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        left = deadline.wait_budget()
        if left is not None and (timeout is None or left < timeout):
            timeout = left
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except errors._WaitTimeout:
            deadline.note_timeout()
            # Mid-exchange, the protocol state is unknown: the connection cannot be used
            # again. Closed, it reads as a disconnect, so SQLAlchemy drops it from the pool.
            self.pgconn.finish()
            raise psycopg.OperationalError(
                "the database did not answer before the request's deadline") from None
