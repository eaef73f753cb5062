"""Memory: RSS of one process over 100,000 triages through the service, every one stored.

Each triage is a POST /api/v1/triage through the app's WSGI stack (Flask's test client:
parse, validate, evaluate, assemble, store in SQLite, answer), as one gunicorn worker
would serve it, without the network. RSS is sampled after a warm-up and then every
tenth of the run; the target is under 5% growth after warm-up.

    python -m bench.memory                 # 100,000 triages (a few minutes)
    python -m bench.memory --triages 20000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from bench.machine import describe, print_table

TARGET = 0.05


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triages", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=10_000)
    args = parser.parse_args()
    from sqlalchemy import func, select

    from service import create_app
    from service.extensions import db
    from service.store.database import initialise_database
    from service.store.models import TriageRecord
    from tests.rules.generators import random_answers

    print(describe())
    rng = random.Random(3)
    answers = [random_answers(rng) for _ in range(1000)]

    def body(n: int) -> str:
        # Every intake distinct, as in real use: the engine keeps one copy of identical
        # facts, so repeating a few bodies would hide a fact that is never retracted.
        return json.dumps({**answers[n % len(answers)], "days_since_onset": n % 36501})

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'm.db'}",
                          "SECRET_KEY": "bench-only"})
        with app.app_context():
            initialise_database()
            db.session.remove()
        client = app.test_client()

        def triage(n: int) -> None:
            response = client.post("/api/v1/triage", data=body(n),
                                   content_type="application/json")
            if response.status_code != 200:
                raise RuntimeError(f"triage {n} answered {response.status_code}")

        for n in range(args.warmup):
            triage(n)
        baseline = rss_kib()
        rows, start, rss = [], time.monotonic(), baseline
        samples = {args.warmup + (args.triages - args.warmup) * k // 10 for k in range(1, 11)}
        rows.append([f"{args.warmup:,} (warm-up)", f"{baseline / 1024:.1f}", "-", "-"])
        for n in range(args.warmup, args.triages):
            triage(n)
            done = n + 1
            if done in samples:
                rss = rss_kib()
                rate = (done - args.warmup) / (time.monotonic() - start)
                rows.append([f"{done:,}", f"{rss / 1024:.1f}",
                             f"{(rss - baseline) / baseline:+.1%}", f"{rate:,.0f}"])
        with app.app_context():
            stored = db.session.scalar(select(func.count(TriageRecord.id)))
    growth = (rss - baseline) / baseline
    print_table(["triages", "RSS MiB", "growth since warm-up", "triages/s"], rows)
    verdict = "ok" if growth < TARGET else "MISS"
    print(f"rows stored: {stored:,} of {args.triages:,}; growth after warm-up {growth:+.1%} "
          f"(target < {TARGET:.0%}): {verdict}")
    print(describe().replace("machine:", "after:"))


if __name__ == "__main__":
    main()
