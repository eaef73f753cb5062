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

On SQLite, the workers of a gunicorn server are separate processes writing one file, and
SQLite lets one write at a time. A process that finds the file locked polls for it,
sleeping 1, 2, 5, 10 ms and more between tries, while its requests wait. So the writer
also takes a lock on a file beside the database (`FileTurn`, an flock) for the whole of
its turn: the kernel wakes the next process the moment the lock is free, and the rows
that arrived while it waited go into its batch.

If a batch is refused because of a row's data (say, a duplicate reference), each of its
rows is tried again on its own, so one bad row cannot fail the others. If the database
itself fails, the whole batch fails at once. A row that is not stored raises
`RecordNotStored` in its own request, which answers 503 (service/errors.py) and
acknowledges nothing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DataError, IntegrityError

from service.store import deadline
from service.store.lock_broker import LockBroker
from service.store.models import TriageRecord

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


class TurnTimeout(Exception):
    """The request's deadline came before the writer's turn (or the database) did."""


class _Pending:
    __slots__ = ("row", "deadline", "stored", "error")

    def __init__(self, row: dict, deadline: float | None):
        self.row = row
        self.deadline = deadline  # time.monotonic() by which its request must answer
        self.stored = False
        self.error: BaseException | None = None


class FileTurn:
    """A turn shared by every process that opens the same lock file (flock).

    Each process opens the file itself, on first use after it starts or forks: processes
    sharing one open file (a descriptor inherited across fork) would share one lock.
    If the file cannot be opened or locked, writing goes on without it (SQLite's own
    locking still keeps the database right; only the wait is slower), and a warning says
    so once per process.
    """

    def __init__(self, path: str):
        self.path = path
        self._fd: int | None = None
        self._pid: int | None = None
        self._broker = LockBroker(path)

    def _descriptor(self) -> int | None:
        if self._pid != os.getpid():
            self._pid, self._fd = os.getpid(), None  # never reuse a parent's descriptor
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:
                log.warning("cannot open the writers' lock file %s (%s): writing "
                            "without it", self.path, error)
        return self._fd

    @contextmanager
    def __call__(self) -> Iterator[None]:
        fd = self._descriptor()
        if fd is None:
            yield
            return
        try:
            held = self._lock(fd)
        except OSError as error:  # a file system without locks (ENOLCK)
            log.warning("cannot lock %s (%s): writing without it", self.path, error)
            os.close(fd)
            self._fd = None  # and this process stops trying (and warning)
            yield
            return
        if held is None:
            raise TurnTimeout("another process held the writers' turn past the deadline")
        try:
            yield
        finally:
            if held == fd:
                fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                self._broker.release()

    def _lock(self, fd: int) -> int | None:
        """Take the lock by the thread's deadline (service/store/deadline.py), if it has one:
        the descriptor holding it, or None if the deadline came first."""
        left = deadline.remaining()
        if left is None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits without holding the GIL
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            return self._broker.wait(left)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = self._pid = None


class GroupCommitter:
    """Commits rows through `write(rows)` in batches; see the module notes.

    `exclusive`, if given, is held for the whole of each turn, from taking the batch to
    the end of its transaction: a turn shared with other processes (FileTurn).
    """

    def __init__(self, write: Callable[[list[dict]], None], max_batch: int = MAX_BATCH,
                 exclusive: Callable[[], AbstractContextManager] = nullcontext):
        self._write = write
        self._max_batch = max_batch
        self._exclusive = exclusive
        self._pending: list[_Pending] = []
        self._pending_lock = threading.Lock()  # guards _pending only; held briefly
        self._turn = threading.Lock()  # the writer's turn: one transaction at a time

    def store(self, row: dict, until: float | None = None) -> None:
        """Return once `row` is committed; raise RecordNotStored if it cannot be, or if
        it is not by `until` (a time.monotonic() deadline; None waits as long as it takes)."""
        mine = _Pending(row, until)
        with self._pending_lock:
            self._pending.append(mine)
        while True:
            if not self._take_turn(mine):
                with self._pending_lock:
                    if mine in self._pending:  # never taken into a batch: nothing written
                        self._pending.remove(mine)
                        raise RecordNotStored("the writers' turn did not come in time")
                # Our row is in a batch being written, which ends by its own deadline,
                # no later than ours: wait for it.
                continue
            try:
                # Looked at only while holding the turn: whoever took our row into a
                # batch held it until that batch's transaction had ended.
                if mine.stored or mine.error is not None:
                    break
                self._write_turn()
            finally:
                self._turn.release()
        if mine.error is not None:
            raise RecordNotStored("the triage record was not stored") from mine.error

    @contextmanager
    def held_turn(self) -> Iterator[None]:
        """Hold the writers' turn (this process's, and `exclusive`) for something else,
        waiting no longer than the thread's deadline; TurnTimeout if it does not come."""
        left = deadline.remaining()
        if not self._turn.acquire(timeout=-1 if left is None else left):
            raise TurnTimeout("the writers' turn did not come in time")
        try:
            with self._exclusive():
                yield
        finally:
            self._turn.release()

    def _take_turn(self, mine: _Pending) -> bool:
        if mine.deadline is None:
            return self._turn.acquire()
        return self._turn.acquire(timeout=max(0.05, mine.deadline - time.monotonic()))

    def _write_turn(self) -> None:
        """One turn: wait for the exclusive turn and the database no longer than the
        soonest deadline of the rows pending, then write them as one batch."""
        soonest = self._drop_late()
        with deadline.until(soonest):
            try:
                with self._exclusive():
                    # Taken only now, so rows that came while we waited join the batch.
                    with self._pending_lock:
                        batch = self._pending[: self._max_batch]
                        del self._pending[: self._max_batch]
                    self._commit(batch)
            except TurnTimeout:
                self._drop_late()  # the soonest row's request has had to answer

    def _drop_late(self) -> float | None:
        """Refuse, unwritten, every pending row whose deadline has passed; return the
        soonest deadline of those left (None if none has one)."""
        now = time.monotonic()
        with self._pending_lock:
            for pending in self._pending:
                if pending.deadline is not None and pending.deadline <= now:
                    pending.error = TurnTimeout("the request's deadline came first")
            self._pending = [p for p in self._pending if p.error is None]
            return min((p.deadline for p in self._pending if p.deadline is not None),
                       default=None)

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

    def __init__(self, engine: Engine, lock_path: str | None = None):
        """`lock_path`: the lock file the writers of every process take turns by (SQLite);
        None where the database has its own concurrent writers (PostgreSQL)."""
        self.engine = engine
        self._insert = insert(TriageRecord.__table__)
        self._turn = FileTurn(lock_path) if lock_path else None
        self._committer = GroupCommitter(self._write,
                                         exclusive=self._turn or nullcontext)

    def _write(self, rows: list[dict]) -> None:
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)

    def store(self, **row) -> None:
        """Commit one record (columns as keywords) by the request's deadline (if any);
        raise RecordNotStored on failure."""
        self._committer.store(row, deadline.current())

    def held_turn(self):
        """The writers' turn, held for a check that must not queue behind them unfairly
        (the health check's write lock); see GroupCommitter.held_turn."""
        return self._committer.held_turn()

    def close(self) -> None:
        """Close the writer's connection and lock file (the app is shutting down)."""
        self.engine.dispose()
        if self._turn:
            self._turn.close()
