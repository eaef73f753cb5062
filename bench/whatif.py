"""What-if over all of history: replay rate, memory, and what a running job costs the web.

    python -m bench.whatif                      # 100,000 records on SQLite
    python -m bench.whatif --records 100000 1000000
    python -m bench.whatif --database postgresql://user:pass@127.0.0.1/db --records 100000
    python -m bench.whatif --latency            # also p99 of triage with and without a job
    python -m bench.whatif --checkins 0.3       # 30% of those given a routine check in too

For each size it fills a fresh database with synthetic intakes (`generate-history`),
measures the engine's own evaluation rate in the same run (one core, the draft's rules),
then runs one what-if job in a child process of its own, so its peak RSS (the job's
coordinator and, separately, its largest worker process) belongs to that job alone.
Reported: seconds, rows (intakes and check-ins) a second, the rate as a share of the
engine's rate times the processes used, and peak RSS. Targets (issue 19): 100,000 in under
10 s, 1,000,000 in under 90 s, RSS within 10% from 100,000 to 1,000,000, rate >= 50% of the
engine per core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe, print_table

ROOT = Path(__file__).resolve().parents[1]


def _app(url: str):
    from service import create_app
    from service.settings import normalise_database_url

    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url)})


def fill(url: str, records: int, checkins: float = 0.0) -> float:
    """A fresh, seeded database at `url` holding `records` synthetic intakes (and, for a
    `checkins` share of those given a routine, weeks of check-ins); seconds taken."""
    from service.extensions import db
    from service.store.database import initialise_database
    from service.whatif.synthetic import generate_history

    app = _app(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        initialise_database()
        started = time.perf_counter()
        generate_history(records, seed=1, checkins=checkins)
        db.session.remove()
        return time.perf_counter() - started


def weaken_draft(url: str) -> None:
    """Switch the saddle numbness rule off in the draft: a change worth a what-if."""
    from sqlalchemy import update

    from service.extensions import db
    from service.store.models import Rule

    with _app(url).app_context():
        db.session.execute(update(Rule).where(Rule.slug == "ces_saddle_numbness")
                           .values(enabled=False))
        db.session.commit()


def engine_rate(count: int = 20_000) -> float:
    """Evaluations a second of the default rules in the raw engine, one core, best of 3."""
    from rules.defaults import load_default_knowledge_base
    from service.triage.ruleset import LoadedVersion
    from service.whatif.synthetic import random_intake

    rng = random.Random(3)
    intakes = [random_intake(rng) for _ in range(count)]
    loaded = LoadedVersion(1, load_default_knowledge_base(), prefix="bench_rate")
    best = 0.0
    try:
        for _ in range(3):
            started = time.perf_counter()
            for intake in intakes:
                loaded.fired(intake)
            best = max(best, count / (time.perf_counter() - started))
    finally:
        loaded.close()
    return best


def run_job_here(url: str) -> dict:
    """Run one what-if job in this process; its numbers as JSON (the child's side)."""
    from service.extensions import db
    from service.whatif.jobs import create_job, run_job

    app = _app(url)
    with app.app_context():
        job_id = create_job("bench").id
        started = time.perf_counter()
        job = run_job(job_id)
        seconds = time.perf_counter() - started
        out = {"status": job.status, "done": job.done, "workers": job.workers,
               "checkins": job.result["checkins"]["replayed"] if job.result else 0,
               "changed": job.changed, "seconds": seconds,
               "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "worker_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}
        db.session.remove()
    return out


def run_job_in_child(url: str) -> dict:
    command = [sys.executable, "-m", "bench.whatif", "--child", url]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def latency(url: str, seconds: float) -> tuple[float, float]:
    """p99 of triage (ms) on gunicorn over `url`: without a job, then while one runs."""
    from bench.serving import gunicorn, load
    from service.whatif.synthetic import random_answers

    rng = random.Random(9)
    bodies = Path(tempfile.mkdtemp()) / "bodies.json"
    bodies.write_text(json.dumps([random_answers(rng) for _ in range(500)]))
    env = {"DATABASE_URL": url}
    p99 = []
    with gunicorn("service:create_app()", workers=2, threads=4, env=env) as (port, _pid):
        for with_job in (False, True):
            child = None
            if with_job:
                child = subprocess.Popen([sys.executable, "-m", "bench.whatif", "--child", url],
                                         cwd=ROOT, stdout=subprocess.DEVNULL)
                time.sleep(2)  # its processes started and replaying
            result = load(port, "/api/v1/triage", bodies=bodies, concurrency=4,
                          requests=10**9, seconds=seconds)
            if child:
                child.wait()
            times = sorted(result["latencies"])
            p99.append(1000 * times[int(0.99 * (len(times) - 1))])
    return p99[0], p99[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--database", help="a PostgreSQL URL the benchmark may wipe "
                        "(default: a SQLite file in a temporary folder)")
    parser.add_argument("--latency", action="store_true",
                        help="also measure triage p99 with and without a running job")
    parser.add_argument("--checkins", type=float, default=0.0,
                        help="the share of people given a routine who also have weeks of "
                             "stored check-ins (default 0: intakes only)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_job_here(args.child)))
        return
    print(describe())
    rate = engine_rate()
    print(f"engine alone, one core: {rate:,.0f} evaluations a second")
    rows = []
    for records in args.records:
        url = args.database or f"sqlite:///{tempfile.mkdtemp()}/whatif.db"
        filled = fill(url, records, args.checkins)
        weaken_draft(url)
        job = run_job_in_child(url)
        rows_done = records + job["checkins"]
        assert job["status"] == "complete" and job["done"] == rows_done, job
        per_second = rows_done / job["seconds"]
        share = per_second / (rate * max(job["workers"], 1))
        rows.append([f"{records:,}", f"{job['checkins']:,}",
                     "PostgreSQL" if args.database else "SQLite",
                     f"{filled:.0f}", f"{job['seconds']:.1f}", f"{per_second:,.0f}",
                     job["workers"], f"{100 * share:.0f}%",
                     f"{job['rss_kib'] / 1024:.0f}", f"{job['worker_rss_kib'] / 1024:.0f}",
                     f"{job['changed']:,}"])
        if args.latency and records == args.records[0]:
            without, during = latency(url, seconds=8)
            print(f"triage p99 on gunicorn: {without:.1f} ms without a job, {during:.1f} ms "
                  f"while one runs ({during / without:.2f}x)")
        if not args.database:
            os.remove(url.removeprefix("sqlite:///"))
    print_table(["records", "check-ins", "database", "fill s", "job s", "records/s", "processes",
                 "of engine per core", "job RSS MiB", "worker RSS MiB", "level changes"],
                rows)


if __name__ == "__main__":
    main()
