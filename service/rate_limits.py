"""Rate limits every worker shares, counted in the database: nothing else to install.

A counter per (scope, address, window) row, added to atomically with one upsert
(`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, on PostgreSQL and SQLite alike), so
the workers of one server and the servers of one database count together. The limit is
a sliding window, estimated the usual way from two fixed windows: the previous window's
count, weighted by how much of it still overlaps the last `period` seconds, plus this
window's. Addresses are stored only as a keyed hash.

A limit may count in `batch`es: a process then writes to the database once per `batch`
hits from one address, and may overshoot the limit by up to (batch - 1) per process.
That keeps the intake ceiling from adding a write to every intake.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time

from flask import current_app
from sqlalchemy import BigInteger, Column, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel

from service.extensions import db
from service.store import deadline


class RateCounter(SQLModel, table=True):
    """Hits from one address in one window of one limit."""

    __tablename__ = "rate_counter"

    scope: str = Field(primary_key=True, max_length=20)
    address: str = Field(primary_key=True, max_length=64)  # a keyed hash, never the address
    window: int = Field(sa_column=Column(BigInteger, primary_key=True))  # its start, epoch s
    hits: int = 0


def client_address() -> str:
    """The address a request is counted under.

    With TRUST_PROXY=1, ProxyFix has already made remote_addr the client's. Without it,
    behind a proxy every request would come from the proxy, and one ceiling would be
    shared by every patient: so a forwarded address, if any, is counted beside the peer.
    A client talking to the service directly could forge one to dodge the ceiling; that
    is the lesser harm than turning patients away (docs/security.md).
    """
    from flask import request

    address = request.remote_addr or "unknown"
    if not current_app.config.get("TRUST_PROXY"):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            address = f"{address}|{forwarded}"
    return address


def address_key(address: str) -> str:
    """The address as stored: an HMAC under SECRET_KEY, so the table holds no addresses."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:40]


def _add(scope: str, address: str, window: int, hits: int) -> int:
    """Add `hits` to a counter in its own transaction; returns the counter's new total."""
    table = RateCounter.__table__
    dialect = db.engine.dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = (insert(table).values(scope=scope, address=address, window=window, hits=hits)
                 .on_conflict_do_update(index_elements=["scope", "address", "window"],
                                        set_={"hits": table.c.hits + hits})
                 .returning(table.c.hits))
    with db.engine.begin() as connection:
        return connection.scalar(statement)


def _read(scope: str, address: str, window: int) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(
            RateCounter.__table__.select().with_only_columns(RateCounter.__table__.c.hits)
            .where(RateCounter.__table__.c.scope == scope,
                   RateCounter.__table__.c.address == address,
                   RateCounter.__table__.c.window == window)) or 0


class SharedLimit:
    """At most `limit` hits per `period` seconds from one address, across all workers."""

    def __init__(self, scope: str, limit: int, period: int, batch: int = 1):
        self.scope, self.limit, self.period, self.batch = scope, limit, period, max(1, batch)
        self._lock = threading.Lock()
        self._window: int | None = None
        # Per address in this window: [hits not yet written, total last read, previous].
        self._seen: dict[str, list[int]] = {}

    def hit(self, address: str) -> int | None:
        """Count one hit; None if it is allowed, else the seconds to wait (Retry-After)."""
        now = time.time()
        window = int(now // self.period * self.period)
        key = address_key(address)
        # The lock is held across database calls: behind a stalled database, wait no
        # longer than the request may, and let the request meet the database itself.
        left = deadline.remaining()
        if not self._lock.acquire(timeout=-1 if left is None else left):
            return None
        try:
            if window != self._window:
                self._window, self._seen = window, {}
                self._forget_old_windows(window)
            state = self._seen.get(key)
            if state is None:
                state = self._seen[key] = [0, 0, _read(self.scope, key, window - self.period)]
            state[0] += 1
            if state[0] >= self.batch or state[1] + state[0] > self.limit - self.batch:
                # Written every `batch` hits, and at every hit near the limit.
                state[1], state[0] = _add(self.scope, key, window, state[0]), 0
            overlap = 1 - (now - window) / self.period
            estimate = state[2] * overlap + state[1] + state[0]
        finally:
            self._lock.release()
        if estimate <= self.limit:
            return None
        return max(1, math.ceil(window + self.period - now))

    def _forget_old_windows(self, window: int) -> None:
        # Once per window per process: rows older than the previous window count no more.
        with db.engine.begin() as connection:
            connection.execute(delete(RateCounter).where(
                RateCounter.scope == self.scope, RateCounter.window < window - self.period))


#: Over a ceiling: what every anonymous writer is told (with the urgent advice).
TOO_MANY_INTAKES = ("Too many sets of answers have been sent from your network in the last "
                    "hour, so these were not assessed. Please try again later.")


def limit_anonymous_posts(app) -> None:
    """A ceiling on posts from one address to anything outside the clinicians' panel (the
    questionnaire, the API, and any adapter added later): INTAKE_LIMIT_PER_HOUR, 0 for none.

    A person answers a few times; the default (300) is for a whole clinic behind one
    address. It bounds what one address can make the service store.
    """
    from sqlalchemy.exc import DBAPIError
    from werkzeug.exceptions import TooManyRequests

    per_hour = app.config.get("INTAKE_LIMIT_PER_HOUR", 0)
    if not per_hour:
        return
    ceiling = SharedLimit("intake", per_hour, 3600, batch=max(1, per_hour // 30))

    @app.before_request
    def intake_ceiling():
        from flask import request

        if (request.method != "POST" or request.routing_exception is not None
                or request.path.startswith("/admin")):
            return
        try:
            wait = ceiling.hit(client_address())
        except DBAPIError:
            # The intake itself will find out whether the database works: a counter that
            # cannot be written must not be what stops someone being assessed.
            current_app.logger.warning("the intake ceiling could not be counted")
            return
        if wait is not None:
            from service.errors import URGENT_HELP

            raise TooManyRequests(f"{TOO_MANY_INTAKES} {URGENT_HELP}", retry_after=wait)
