"""Publish to live: time from a publish's commit until every gunicorn worker answers with it.

gunicorn serves the real app (each response names its worker process); bench.loadgen,
in its own process, polls GET /healthz over many keep-alive connections, spread over
the workers, recording when each answer arrived, from which worker, with which version.
Each connection pauses 10 ms between polls, so the poller does not itself starve the
workers of CPU. This process publishes a new version every few seconds. For each publish and each
worker, the delay is the first answer carrying the new version after the commit: an
upper bound, within the gap between two answers of that worker (shown).

    python -m bench.publish                                      # SQLite
    python -m bench.publish --postgres postgresql://postgres@127.0.0.1:5432/sciatica_bench
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe, print_table
from bench.serving import ROOT, gunicorn

TARGET_S = 1.0


def publisher(url: str):
    """A function that publishes the draft as a new version; returns (version, seconds)."""
    from service import create_app
    from service.extensions import db
    from service.settings import normalise_database_url
    from service.store.database import initialise_database
    from service.triage.publishing import publish

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SECRET_KEY": "bench-only"})
    with app.app_context():
        initialise_database()
        db.session.remove()

    def publish_once() -> tuple[int, float, float]:
        with app.app_context():
            start = time.monotonic()
            version = publish("bench", note="publish-to-live benchmark").version
            committed = time.monotonic()
            db.session.remove()
        return version, committed, committed - start

    return publish_once


def first_answers(samples: list, version: int, after: float) -> dict[str, float]:
    """For each worker, when it first answered with `version` (or newer) after `after`."""
    seen: dict[str, float] = {}
    for at, worker, answered in samples:
        if at > after and worker not in seen and answered >= version:
            seen[worker] = at
    return seen


def run(name: str, url: str, args) -> list:
    publish_once = publisher(url)
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench-only"}
    seconds = 3 + args.publishes * args.every + 3
    rows = []
    with gunicorn("bench.apps:tagged_triage_app()", args.workers, 2, env) as (port, _pid):
        poller = subprocess.Popen(
            [sys.executable, "-m", "bench.loadgen", "--port", str(port), "--path", "/healthz",
             "--concurrency", str(args.workers * 4), "--requests", "10000000",
             "--seconds", str(seconds), "--sample", "--close", "--pause", "0.01"],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        time.sleep(3)  # every worker answering, with the current version loaded
        published = []
        for _ in range(args.publishes):
            published.append(publish_once())
            time.sleep(args.every)
        samples = [(at, worker, json.loads(body)["ruleset_version"]) for at, worker, body
                   in json.loads(poller.communicate(timeout=seconds + 60)[0])["samples"]]
    workers = {w for _, w, _ in samples}
    gaps = []
    for worker in workers:
        times = [at for at, w, _ in samples if w == worker]
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    for version, committed, took in published:
        seen = first_answers(samples, version, committed)
        delays = [seen[w] - committed for w in sorted(workers) if w in seen]
        slowest = max(delays) if len(seen) == len(workers) else float("inf")
        rows.append([name, version, f"{took * 1000:.0f}", f"{len(seen)} / {len(workers)}",
                     f"{statistics.median(delays) * 1000:.0f}", f"{slowest * 1000:.0f}"])
    print(f"{name}: {len(samples):,} answers from {len(workers)} workers; median gap between "
          f"two answers of one worker {statistics.median(gaps) * 1000:.1f} ms")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure as well")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--publishes", type=int, default=10)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between publishes")
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as folder:
        rows = run("SQLite", f"sqlite:///{Path(folder) / 'p.db'}", args)
        if args.postgres:
            rows += run("PostgreSQL", args.postgres, args)
    print_table(["database", "version", "publish call ms", "workers answering it",
                 "median worker ms", "slowest worker ms"], rows)
    slowest = [float(r[-1]) for r in rows]
    verdict = "ok" if max(slowest) < TARGET_S * 1000 else "MISS"
    print(f"every worker on the new version within {max(slowest):.0f} ms of the commit, "
          f"median {statistics.median(slowest):.0f} ms (target < {TARGET_S * 1000:.0f} ms): "
          f"{verdict}")
    print(describe().replace("machine:", "after:"))


if __name__ == "__main__":
    main()
