"""Storing triage records: one transaction for all the intakes that arrive together.

Every intake is committed before its answer is sent, so a patient never holds a
reference to a record that was not stored. Committing one row per transaction makes
each request pay a whole commit (an fsync on SQLite, a WAL flush and a round trip on
PostgreSQL), and on SQLite it makes the threads of every worker queue on the file's
write lock. So records are written by group commit, as databases do with their own
logs: a request adds its row to this process's pending list and takes the writer's
turn; whoever holds the turn writes every pending row in one transaction. A request
whose row another thread already committed returns at once. With no concurrency this
is exactly one transaction per row; under load, one per batch.

If a batch is refused because of a row's data (say, a duplicate reference), each of its
rows is tried again on its own, so one bad row cannot fail the others. If the database
itself fails, the whole batch fails at once. A row that is not stored raises
`RecordNotStored` in its own request, which answers 503 (service/errors.py) and
acknowledges nothing.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DataError, IntegrityError

from service.models import TriageRecord

log = logging.getLogger(__name__)

#: At most this many rows per transaction; the rest wait for the next turn.
MAX_BATCH = 64


#: Errors about the rows themselves rather than the database: worth retrying row by row.
ROW_ERRORS = (IntegrityError, DataError)


class EncodedJSON(str):
    """JSON text encoded once already: stored as it is, not encoded a second time."""


def json_serializer(value: Any) -> str:
    """The engine's JSON encoder for JSON columns: passes `EncodedJSON` through."""
    if isinstance(value, EncodedJSON):
        return str(value)
    return json.dumps(value)


class RecordNotStored(Exception):
    """A triage record could not be committed; `__cause__` is the database's error."""


class _Pending:
    __slots__ = ("row", "stored", "error")

    def __init__(self, row: dict):
        self.row = row
        self.stored = False
        self.error: BaseException | None = None


class GroupCommitter:
    """Commits rows through `write(connection_rows)` in batches; see the module notes."""

    def __init__(self, write: Callable[[list[dict]], None], max_batch: int = MAX_BATCH):
        self._write = write
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._pending_lock = threading.Lock()  # guards _pending only; held briefly
        self._turn = threading.Lock()  # the writer's turn: one transaction at a time

    def store(self, row: dict) -> None:
        """Return once `row` is committed; raise RecordNotStored if it cannot be."""
        mine = _Pending(row)
        with self._pending_lock:
            self._pending.append(mine)
        while True:
            with self._turn:
                # Looked at only while holding the turn: whoever took our row into a
                # batch held it until that batch's transaction had ended.
                if mine.stored or mine.error is not None:
                    break
                with self._pending_lock:
                    batch = self._pending[: self._max_batch]
                    del self._pending[: self._max_batch]
                self._commit(batch)
        if mine.error is not None:
            raise RecordNotStored("the triage record was not stored") from mine.error

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            self._write([p.row for p in batch])
        except Exception as error:
            if len(batch) > 1 and isinstance(error, ROW_ERRORS):
                # One row's data was refused: find it, and store the others.
                log.warning("a batch of %d records failed (%s); writing each alone",
                            len(batch), error)
                for pending in batch:
                    self._commit([pending])
                return
            # The database itself failed (unreachable, full, locked): every row in the
            # batch is refused at once rather than tried again one by one.
            for pending in batch:
                pending.error = error
            return
        for pending in batch:
            pending.stored = True


class TriageRecords:
    """This process's writer of TriageRecord rows to `engine`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._insert = insert(TriageRecord.__table__)
        self._committer = GroupCommitter(self._write)

    def _write(self, rows: list[dict]) -> None:
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)

    def store(self, **row) -> None:
        """Commit one record (columns as keywords); raise RecordNotStored on failure."""
        self._committer.store(row)

    def close(self) -> None:
        """Close the writer's connection (the app is shutting down)."""
        self.engine.dispose()
