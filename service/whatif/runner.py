"""Running a what-if job: replay stored intakes and check-ins in ranges, keep score.

The job's rows are cut into ranges of ids (`BATCH` ids each), intakes first, then
check-ins. Each range is read and replayed by one worker process, which opens its own
database connection, reads its range through a streaming cursor (server-side on
PostgreSQL) and replays it with its own compiled engine (the engine's C core is not
thread-safe, and one process per core is what uses both cores). Only the ranges go out
and only the counts come back, so the process running the job does little but keep
score, and memory stays flat however many rows there are. At most two ranges per
process are in flight. Small jobs, and databases other processes cannot open (SQLite in
memory), replay in the calling thread instead: a process takes a moment to start,
longer than a few thousand records take.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import tempfile
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime

from service.extensions import db
from service.store.models import utcnow
from service.whatif import source
from service.whatif.models import WhatIfJob
from service.whatif.replay import BatchResult, Replayer, less_urgent
from service.whatif.worker import replay_in_worker, replay_range, start_worker

log = logging.getLogger(__name__)

#: Ids per range handed to a worker (a range may hold fewer rows, never more).
BATCH = 2000
#: Below this many rows a job replays in its own thread: no processes to start.
IN_THREAD_BELOW = 5000
#: How often a running job writes its progress and looks for a cancel request.
PROGRESS_SECONDS = 0.5
#: How often a job waiting on a worker checks that the job may go on.
WAIT_SECONDS = 1.0
#: A range not replayed in this long means a stalled worker or database.
RANGE_SECONDS = 300.0
#: Worker processes run at this niceness: a clinician's what-if must not slow triage.
WORKER_NICENESS = 10


class Cancelled(Exception):
    """Someone asked the job to stop."""


class WorkerLost(RuntimeError):
    """A worker process died or stopped answering: the job cannot be complete."""


def count_in_range(since: datetime | None, until: datetime | None) -> int:
    """How many stored intakes and check-ins a job over this range would read."""
    with db.engine.connect() as connection:
        return sum(source.count(connection, kind, since, until) for kind in source.KINDS)


def _shareable(url) -> bool:
    """Whether another process can open the database at `url` (not SQLite in memory)."""
    return not (url.get_backend_name() == "sqlite"
                and url.database in (None, "", ":memory:"))


def processes_for(total: int, url=None) -> int:
    """How many worker processes a job of `total` rows should use (0: in this thread)."""
    if total < IN_THREAD_BELOW or (url is not None and not _shareable(url)):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    configured = int(os.environ.get("WHATIF_PROCESSES", "0") or 0)
    return max(1, min(configured or cores or 1, cores or 1))


# --- in the process that runs the job ------------------------------------------------

class JobRun:
    """Replays one job's records and check-ins and keeps its row up to date."""

    def __init__(self, job: WhatIfJob, draft: dict, live: dict | None, on_progress=None):
        self.job = job
        self.on_progress = on_progress  # called with rows done, every few seconds
        self._told_at = time.monotonic()
        self.draft = draft
        self.live = live
        self.results = {kind: BatchResult() for kind in source.KINDS}
        self.started = time.monotonic()
        self._saved_at = 0.0

    def run(self) -> None:
        """Replay every row in the job's range; leave the job complete or cancelled."""
        job = self.job
        job.status, job.heartbeat_at = "running", utcnow()
        job.workers = processes_for(job.total, db.engine.url)
        db.session.commit()
        try:
            if job.workers:
                self._in_processes(job.workers)
            else:
                self._in_thread()
        except Cancelled:
            job.status, job.result = "cancelled", None
            job.finished_at = utcnow()
            db.session.commit()
            log.info("what-if job %s cancelled after %d rows", job.id, job.done)
            return
        job.result = self.summary()
        job.status, job.finished_at = "complete", utcnow()
        self._write_progress(force=True)
        log.info("what-if job %s complete: %d rows", job.id, job.done)

    def _ranges(self):
        """(kind, low, high) of every range to replay, intakes first."""
        job = self.job
        with db.engine.connect() as connection:
            bounds = [(kind, low, high) for kind in source.KINDS
                      for low, high in source.id_ranges(connection, kind, job.since,
                                                        job.until, BATCH)]
        return bounds

    def _in_thread(self) -> None:
        replayer = Replayer(self.draft, self.live, self.job.live_version)
        try:
            for kind, low, high in self._ranges():
                with db.engine.connect() as connection:
                    found = replay_range(replayer, connection, kind, low, high,
                                         self.job.since, self.job.until)
                self._add(kind, found)
        finally:
            replayer.close()

    def _in_processes(self, workers: int) -> None:
        # The rules go to the workers in a file, not as pool arguments: see start_worker.
        handle, rules_path = tempfile.mkstemp(prefix="whatif-rules-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"draft": self.draft, "live": self.live}, out)
            self._replay_in_pool(workers, rules_path)
        finally:
            os.unlink(rules_path)

    def _replay_in_pool(self, workers: int, rules_path: str) -> None:
        context = multiprocessing.get_context("spawn")  # no forking of engine or threads
        url = db.engine.url.render_as_string(hide_password=False)
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker,
                                   initargs=(rules_path, self.job.live_version, url,
                                             WORKER_NICENESS))
        in_flight: deque[tuple[Future, str]] = deque()
        ended = False
        try:
            for kind, low, high in self._ranges():
                in_flight.append((self._submit(pool, kind, low, high), kind))
                if len(in_flight) >= 2 * workers:
                    future, done_kind = in_flight.popleft()
                    self._add(done_kind, self._wait(pool, future))
            while in_flight:
                future, done_kind = in_flight.popleft()
                self._add(done_kind, self._wait(pool, future))
            ended = True
        finally:
            for future, _kind in in_flight:
                future.cancel()
            if not ended:
                # Stopped, failed or a worker lost: the others may be blocked on the task
                # queue a dead worker held, so end them rather than wait for them.
                for process in list((pool._processes or {}).values()):
                    process.kill()
            pool.shutdown(wait=ended, cancel_futures=True)

    def _submit(self, pool: ProcessPoolExecutor, kind: str, low: int, high: int) -> Future:
        """Hand one range to the pool (which starts a worker process if it needs one)."""
        try:
            return pool.submit(replay_in_worker, kind, low, high, self.job.since,
                               self.job.until)
        except (OSError, ValueError) as error:  # not BrokenProcessPool: run_job words that
            # Starting a worker just after another died can fail inside the pool itself
            # (seen: "bad value(s) in fds_to_keep" from the pipes of the dead one).
            raise WorkerLost("a worker process could not be started") from error

    def _wait(self, pool: ProcessPoolExecutor, future: Future) -> BatchResult:
        """The range's result, checking meanwhile that the job may go on.

        A worker killed while starting can leave the pool waiting for ever (the executor
        does not always notice), so every `WAIT_SECONDS` the job writes its heartbeat,
        looks for a cancel request and checks that its workers are alive; a range that
        takes longer than `RANGE_SECONDS` (a stalled database) fails the job.
        """
        waited = 0.0
        while True:
            try:
                return future.result(timeout=WAIT_SECONDS)
            except TimeoutError:
                waited += WAIT_SECONDS
            self._write_progress(force=True)
            # The executor keeps its processes in a private dict (the same since 3.2).
            lost = [p.pid for p in (pool._processes or {}).values() if not p.is_alive()]
            if lost:
                raise WorkerLost(f"a worker process ended unexpectedly (pid {lost[0]})")
            if waited >= RANGE_SECONDS:
                raise WorkerLost(f"one range took more than {RANGE_SECONDS} s")

    def _add(self, kind: str, found: BatchResult) -> None:
        self.results[kind].merge(found)
        self.job.done += found.replayed + found.skipped_count
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
        found = self.results.values()
        job.skipped = sum(r.skipped_count for r in found)
        job.changed = sum(sum(r.transitions.values()) for r in found)
        job.less_urgent = sum(n for r in found for (old, new), n in r.transitions.items()
                              if less_urgent(old, new))
        job.heartbeat_at = utcnow()
        db.session.commit()
        if job.status == "complete":
            return
        db.session.refresh(job, ["cancel_requested"])
        if job.cancel_requested:
            raise Cancelled

    def summary(self) -> dict:
        """The stored result: the intakes' changes of level (less urgent first) and rule
        counts at the top, the check-ins' under "checkins" in the same shape."""
        elapsed = time.monotonic() - self.started
        return {
            **summarise(self.results["intakes"]),
            "checkins": summarise(self.results["checkins"]),
            "seconds": round(elapsed, 2),
            "rate": round(self.job.done / elapsed) if elapsed > 0 else None,
        }


def summarise(r: BatchResult) -> dict:
    """One kind's findings: changes of level, less urgent first, and rule counts."""
    from rules.levels import urgency

    transitions = []
    for (old, new), people in r.transitions.items():
        transitions.append({
            "old": old, "new": new, "people": people,
            "less_urgent": less_urgent(old, new),
            "changes": r.examples.get(f"{old}>{new}", []),
        })
    # Less urgent first, the biggest drops first; then the rest by number of people.
    transitions.sort(key=lambda t: (not t["less_urgent"],
                                    -(urgency(t["new"]) - urgency(t["old"])),
                                    -t["people"]))
    rules = sorted(set(r.newly_fired) | set(r.no_longer_fired),
                   key=lambda s: (-(r.newly_fired[s] + r.no_longer_fired[s]), s))
    return {
        "replayed": r.replayed, "skipped_count": r.skipped_count, "skipped": r.skipped,
        "transitions": transitions,
        "rules": [{"rule": s, "newly": r.newly_fired[s], "no_longer": r.no_longer_fired[s]}
                  for s in rules],
    }
