"""Reading what a job replays: stored intakes and check-ins, a range of ids at a time.

Plain SQLAlchemy Core on a connection, no Flask: the same functions serve the web
process (a small job replayed in its own thread) and the worker processes, which each
open their own connection and read their own ranges, so rows are never read in one
process and copied into another. Each range is read through a streaming cursor (a
server-side cursor on PostgreSQL), a batch at a time, so memory stays flat.

The two tables are named here as Core `table()`s with just the columns a replay reads,
not imported from the SQLModel models: importing SQLModel and the ORM is a third of a
second of every worker's start, and a job of 100,000 records takes eight.
tests/service/test_whatif_jobs.py holds these columns to the models' tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text, cast, column, func, select, table
from sqlalchemy.engine import Connection

from service.whatif.replay import StoredCheckin, StoredIntake

_WHEN = DateTime(timezone=True)
RECORDS = table("triagerecord", column("id", Integer), column("reference", String),
                column("created_at", _WHEN), column("intake", JSON),
                column("triage_level", String), column("ruleset_version", Integer))
CHECKINS = table("checkin", column("id", Integer), column("record_id", Integer),
                 column("week", Integer), column("created_at", _WHEN),
                 column("answers", JSON), column("facts", JSON),
                 column("triage_level", String), column("ruleset_version", Integer))

#: What a job reads, in the order it reads them.
KINDS = ("intakes", "checkins")


def _table(kind: str):
    return (RECORDS if kind == "intakes" else CHECKINS).c


def in_range(kind: str, since: datetime | None, until: datetime | None) -> list:
    """The WHERE clauses for rows of `kind` sent in [since, until)."""
    rows = _table(kind)
    clauses = []
    if since is not None:
        clauses.append(rows.created_at >= since)
    if until is not None:
        clauses.append(rows.created_at < until)
    return clauses


def count(connection: Connection, kind: str, since: datetime | None,
          until: datetime | None) -> int:
    """How many rows of `kind` a job over this range would read."""
    rows = _table(kind)
    return connection.scalar(select(func.count(rows.id)).where(*in_range(kind, since, until)))


def id_ranges(connection: Connection, kind: str, since: datetime | None,
              until: datetime | None, size: int) -> Iterator[tuple[int, int]]:
    """[low, high) id ranges of `size` ids covering every row of `kind` in range."""
    rows = _table(kind)
    low, high = connection.execute(select(func.min(rows.id), func.max(rows.id))
                                   .where(*in_range(kind, since, until))).one()
    if low is None:
        return
    for start in range(low, high + 1, size):
        yield start, min(start + size, high + 1)


def _query(kind: str, low: int, high: int, since: datetime | None, until: datetime | None):
    if kind == "intakes":
        t = RECORDS.c
        columns = (t.id, t.reference, t.created_at, cast(t.intake, Text), t.triage_level,
                   t.ruleset_version)
        return (select(*columns).where(t.id >= low, t.id < high,
                                       *in_range(kind, since, until)).order_by(t.id))
    c, t = CHECKINS.c, RECORDS.c
    columns = (c.id, t.reference, c.week, c.created_at, t.created_at, cast(t.intake, Text),
               cast(c.answers, Text), cast(c.facts, Text), c.triage_level, c.ruleset_version)
    return (select(*columns).select_from(CHECKINS.join(RECORDS, t.id == c.record_id))
            .where(c.id >= low, c.id < high, *in_range(kind, since, until)).order_by(c.id))


def _stored(kind: str, row) -> StoredIntake | StoredCheckin:
    if kind == "intakes":
        return StoredIntake(row[0], row[1], row[2], row[3], row[4], row[5])
    (id_, reference, week, created, intake_created, intake, answers, facts, level,
     version) = row
    return StoredCheckin(id_, reference, week, created,
                         (_naive(created) - _naive(intake_created)).days, intake, answers,
                         facts, level, version)


def _naive(moment: datetime) -> datetime:
    # Both come from one database, in UTC; SQLite drops the zone, PostgreSQL keeps it.
    return moment.replace(tzinfo=None)


def read_range(connection: Connection, kind: str, low: int, high: int,
               since: datetime | None, until: datetime | None,
               batch: int) -> Iterator[list[StoredIntake] | list[StoredCheckin]]:
    """The rows of `kind` with ids in [low, high) and sent in range, `batch` at a time."""
    rows = connection.execution_options(stream_results=True, yield_per=batch).execute(
        _query(kind, low, high, since, until))
    try:
        for partition in rows.partitions(batch):
            yield [_stored(kind, row) for row in partition]
    finally:
        rows.close()  # a job stopped early closes its server-side cursor first
