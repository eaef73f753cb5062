"""Running a what-if job: stream stored intakes in batches, replay them, keep score.

The records are read through one streaming query (a server-side cursor on PostgreSQL,
SQLite's own lazy cursor), a batch at a time, so memory stays flat however many there
are. Batches go to worker processes, each with its own compiled engine (the engine's C
core is not thread-safe, and one process per core is what uses both cores); at most two
batches per process are in flight. Small jobs replay in the calling thread instead: a
process takes a second or two to start, longer than a few thousand records take.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime

from sqlalchemy import Text, cast, func, select

from service.extensions import db
from service.store.models import TriageRecord, utcnow
from service.whatif.models import WhatIfJob
from service.whatif.replay import BatchResult, Replayer, StoredIntake, less_urgent

log = logging.getLogger(__name__)

BATCH = 1000
#: Below this many records a job replays in its own thread: no processes to start.
IN_THREAD_BELOW = 5000
#: How often a running job writes its progress and looks for a cancel request.
PROGRESS_SECONDS = 0.5


class Cancelled(Exception):
    """Someone asked the job to stop."""


def in_range(since: datetime | None, until: datetime | None):
    """The WHERE clause for records sent in [since, until)."""
    clauses = []
    if since is not None:
        clauses.append(TriageRecord.created_at >= since)
    if until is not None:
        clauses.append(TriageRecord.created_at < until)
    return clauses


def count_in_range(since: datetime | None, until: datetime | None) -> int:
    """How many stored intakes a job over this range would read."""
    return db.session.scalar(select(func.count(TriageRecord.id)).where(*in_range(since, until)))


def stream_batches(since: datetime | None, until: datetime | None, size: int | None = None):
    """Yield the stored intakes in range, oldest first, `size` (default BATCH) at a time."""
    size = size or BATCH
    query = (select(TriageRecord.id, TriageRecord.reference, TriageRecord.created_at,
                    cast(TriageRecord.intake, Text), TriageRecord.triage_level,
                    TriageRecord.ruleset_version)
             .where(*in_range(since, until)).order_by(TriageRecord.id))
    with db.engine.connect() as connection:
        rows = connection.execution_options(stream_results=True, yield_per=size).execute(query)
        try:
            for partition in rows.partitions(size):
                yield [StoredIntake(r[0], r[1], r[2].isoformat(), r[3], r[4], r[5])
                       for r in partition]
        finally:
            rows.close()  # a job stopped early closes its server-side cursor first


def processes_for(total: int) -> int:
    """How many worker processes a job of `total` records should use."""
    if total < IN_THREAD_BELOW:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    configured = int(os.environ.get("WHATIF_PROCESSES", "0") or 0)
    return max(1, min(configured or cores or 1, cores or 1))


# --- in a worker process -------------------------------------------------------------

_replayer: Replayer | None = None


def _start_worker(draft: dict, live: dict | None, live_version: int | None) -> None:
    global _replayer
    _replayer = Replayer(draft, live, live_version)


def _replay_in_worker(batch: list[StoredIntake]) -> BatchResult:
    assert _replayer is not None, "worker started without its draft"
    return _replayer.replay(batch)


# --- in the process that runs the job ------------------------------------------------

class JobRun:
    """Replays one job's records and keeps its row up to date."""

    def __init__(self, job: WhatIfJob, draft: dict, live: dict | None, on_progress=None):
        self.job = job
        self.on_progress = on_progress  # called with records done, every few seconds
        self._told_at = time.monotonic()
        self.draft = draft
        self.live = live
        self.result = BatchResult()
        self.started = time.monotonic()
        self._saved_at = 0.0

    def run(self) -> None:
        """Replay every record in the job's range; leave the row complete or cancelled."""
        job = self.job
        job.status, job.heartbeat_at = "running", utcnow()
        job.workers = processes_for(job.total)
        db.session.commit()
        batches = stream_batches(job.since, job.until)
        try:
            if job.workers:
                self._in_processes(batches, job.workers)
            else:
                self._in_thread(batches)
        except Cancelled:
            job.status, job.result = "cancelled", None
            job.finished_at = utcnow()
            db.session.commit()
            log.info("what-if job %s cancelled after %d records", job.id, job.done)
            return
        finally:
            batches.close()  # its connection (and server-side cursor) closed, whatever happened
        job.result = self.summary()
        job.status, job.finished_at = "complete", utcnow()
        self._write_progress(force=True)
        log.info("what-if job %s complete: %d records", job.id, job.done)

    def _in_thread(self, batches) -> None:
        replayer = Replayer(self.draft, self.live, self.job.live_version)
        try:
            for batch in batches:
                self._add(replayer.replay(batch), len(batch))
        finally:
            replayer.close()

    def _in_processes(self, batches, workers: int) -> None:
        context = multiprocessing.get_context("spawn")  # no forking of engine or threads
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(self.draft, self.live, self.job.live_version))
        in_flight: deque[tuple[Future, int]] = deque()
        try:
            for batch in batches:
                in_flight.append((pool.submit(_replay_in_worker, batch), len(batch)))
                if len(in_flight) >= 2 * workers:
                    future, size = in_flight.popleft()
                    self._add(future.result(), size)
            while in_flight:
                future, size = in_flight.popleft()
                self._add(future.result(), size)
        finally:
            for future, _size in in_flight:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _add(self, batch: BatchResult, size: int) -> None:
        self.result.merge(batch)
        self.job.done += size
        self._write_progress()
        if self.on_progress and time.monotonic() - self._told_at >= 2:
            self._told_at = time.monotonic()
            self.on_progress(self.job.done)

    def _write_progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved_at < PROGRESS_SECONDS:
            return
        self._saved_at = now
        job = self.job
        job.skipped = self.result.skipped_count
        job.changed = sum(self.result.transitions.values())
        job.less_urgent = sum(n for (old, new), n in self.result.transitions.items()
                              if less_urgent(old, new))
        job.heartbeat_at = utcnow()
        db.session.commit()
        if job.status == "complete":
            return
        db.session.refresh(job, ["cancel_requested"])
        if job.cancel_requested:
            raise Cancelled

    def summary(self) -> dict:
        """The stored result: changes of level, less urgent first, and rule counts."""
        r = self.result
        elapsed = time.monotonic() - self.started
        transitions = []
        for (old, new), people in r.transitions.items():
            transitions.append({
                "old": old, "new": new, "people": people,
                "less_urgent": less_urgent(old, new),
                "changes": r.examples.get(f"{old}>{new}", []),
            })
        # Less urgent first, the biggest drops first; then the rest by number of people.
        from rules.levels import urgency

        transitions.sort(key=lambda t: (not t["less_urgent"],
                                        -(urgency(t["new"]) - urgency(t["old"])),
                                        -t["people"]))
        rules = sorted(set(r.newly_fired) | set(r.no_longer_fired))
        return {
            "replayed": r.replayed, "skipped_count": r.skipped_count, "skipped": r.skipped,
            "transitions": transitions,
            "rules": [{"rule": s, "newly": r.newly_fired[s], "no_longer": r.no_longer_fired[s]}
                      for s in sorted(rules, key=lambda s: -(r.newly_fired[s]
                                                             + r.no_longer_fired[s]))],
            "seconds": round(elapsed, 2),
            "rate": round(self.job.done / elapsed) if elapsed > 0 else None,
        }
