"""Starting, following and cancelling what-if jobs: what the panel and the CLI call."""

from __future__ import annotations

import logging
import threading
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select

from service.extensions import db
from service.store.audit import record_change
from service.store.models import RulesetVersion, utcnow
from service.triage.gate import knowledge_base_hash
from service.triage.knowledge import draft_knowledge_base
from service.whatif.models import FINISHED, WhatIfJob
from service.whatif.runner import JobRun, WorkerLost, count_in_range

log = logging.getLogger(__name__)

#: A running job whose progress is older than this has lost its process (a restart).
HEARTBEAT_LOST = timedelta(seconds=60)


class JobAlreadyRunning(Exception):
    """This draft already has a job under way: `job` is that one."""

    def __init__(self, job: WhatIfJob):
        super().__init__(f"what-if job {job.id} is already running for this draft")
        self.job = job


def _aware(when: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns: they were stored in UTC.
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def is_lost(job: WhatIfJob) -> bool:
    """A job that says it runs but whose process stopped writing progress."""
    beat = _aware(job.heartbeat_at) or _aware(job.started_at)
    return job.status in ("queued", "running") and utcnow() - beat > HEARTBEAT_LOST


def running_job_for(draft_hash: str) -> WhatIfJob | None:
    """The job under way for this draft, if any."""
    jobs = db.session.scalars(select(WhatIfJob).where(WhatIfJob.draft_hash == draft_hash,
                                                      WhatIfJob.status.in_(("queued",
                                                                            "running"))))
    return next((job for job in jobs if not is_lost(job)), None)


def create_job(actor: str, since: datetime | None = None,
               until: datetime | None = None) -> WhatIfJob:
    """Record a new job for the current draft; it runs when `run_job` is called."""
    kb = draft_knowledge_base()
    digest = knowledge_base_hash(kb)
    running = running_job_for(digest)
    if running is not None:
        raise JobAlreadyRunning(running)
    live = db.session.scalar(select(RulesetVersion.version)
                             .order_by(RulesetVersion.version.desc()).limit(1))
    job = WhatIfJob(draft_hash=digest, live_version=live, started_by=actor, since=since,
                    until=until, total=count_in_range(since, until))
    db.session.add(job)
    db.session.flush()
    record_change(actor, "what-if", "what_if_job", str(job.id), None,
                  {"draft_hash": digest, "live_version": live, "records": job.total,
                   "since": since.isoformat() if since else None,
                   "until": until.isoformat() if until else None})
    db.session.commit()
    return job


def run_job(job_id: int, on_progress=None) -> WhatIfJob:
    """Run a created job to its end in this thread (the CLI; the background thread)."""
    job = db.session.get(WhatIfJob, job_id)
    draft = draft_knowledge_base().model_dump(mode="json")
    live = None
    if job.live_version is not None:
        live = db.session.scalar(select(RulesetVersion.snapshot)
                                 .where(RulesetVersion.version == job.live_version))
    try:
        JobRun(job, draft, live, on_progress).run()
    except Exception as error:  # a failed job says so; it never looks complete
        db.session.rollback()
        job = db.session.get(WhatIfJob, job_id)
        job.status, job.finished_at, job.result = "failed", utcnow(), None
        if isinstance(error, WorkerLost | BrokenProcessPool):  # our own words: no answers
            job.error = f"the replay stopped: {str(error).rstrip('.')}. Start it again."
        else:
            job.error = f"the replay stopped: {type(error).__name__}"
        db.session.commit()
        log.exception("what-if job %s failed", job_id)
    return job


def start_in_background(job_id: int, app: Flask | None = None) -> threading.Thread:
    """Run the job in a thread of this process, so the request that started it returns."""
    app = app or current_app._get_current_object()

    def work() -> None:
        with app.app_context():
            try:
                run_job(job_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"what-if-{job_id}", daemon=True)
    thread.start()
    return thread


def request_cancel(job_id: int, actor: str) -> WhatIfJob | None:
    """Ask a job to stop; it stops after the batch it is on. None if there is no such job."""
    job = db.session.get(WhatIfJob, job_id)
    if job is None:
        return None
    if job.status in FINISHED:
        return job
    job.cancel_requested = True
    if is_lost(job):  # nobody is running it to notice: end it here
        job.status, job.finished_at = "cancelled", utcnow()
    record_change(actor, "cancel", "what_if_job", str(job.id), None, {"done": job.done})
    db.session.commit()
    return job


def progress(job: WhatIfJob, current_hash: str | None = None) -> dict:
    """A job's state as the progress bar shows it: done, rate, time left, stale or not."""
    started = _aware(job.started_at)
    end = _aware(job.finished_at) or _aware(job.heartbeat_at) or utcnow()
    elapsed = max((end - started).total_seconds(), 0.001)
    rate = job.done / elapsed if job.done else 0.0
    left = (job.total - job.done) / rate if rate and job.status == "running" else None
    status = "interrupted" if is_lost(job) else job.status
    return {
        "id": job.id, "status": status, "done": job.done, "total": job.total,
        "percent": round(100 * job.done / job.total) if job.total else 100,
        "rate": round(rate), "seconds_left": round(left) if left is not None else None,
        "skipped": job.skipped, "changed": job.changed, "less_urgent": job.less_urgent,
        "stale": current_hash is not None and current_hash != job.draft_hash,
        "finished": status in (*FINISHED, "interrupted"),
    }


def latest_complete(draft_hash: str) -> WhatIfJob | None:
    """The newest complete job for exactly this draft (for the publish page)."""
    return db.session.scalar(select(WhatIfJob)
                             .where(WhatIfJob.draft_hash == draft_hash,
                                    WhatIfJob.status == "complete")
                             .order_by(WhatIfJob.id.desc()).limit(1))


def knowledge_base_hash_of_draft() -> str:
    """The fingerprint of the draft as it stands now."""
    return knowledge_base_hash(draft_knowledge_base())
