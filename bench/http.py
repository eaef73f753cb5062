"""HTTP: triage requests per second and latency under gunicorn, against a bare Flask endpoint.

Both servers run the same way (gunicorn gthread, the same workers and threads, on
127.0.0.1), one after the other in the same run, loaded by bench.loadgen in its own
process with the same intakes. The bare endpoint parses the JSON body and answers a
small JSON: the floor of Flask and gunicorn. Triage is the real service: validate,
evaluate, assemble, store, answer. Afterwards the rows stored are counted. A third row,
the service's own app with a do-nothing endpoint, splits the gap into the app's hooks
and the triage work itself.

    python -m bench.http                                        # SQLite only
    python -m bench.http --postgres postgresql://postgres@127.0.0.1:5432/sciatica_bench
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from pathlib import Path

from bench.machine import describe, print_table
from bench.serving import gunicorn, load, tree_cpu_seconds

TARGET = 0.60  # triage throughput as a share of the bare endpoint's


def write_intakes(path: Path, count: int = 500) -> None:
    """Random valid intakes, as a patient's client would send them."""
    from tests.rules.generators import random_answers

    rng = random.Random(7)
    intakes = [random_answers(rng)
               for _ in range(count)]
    path.write_text(json.dumps(intakes))


def prepare_database(url: str):
    """Migrate and seed `url`; a function counting its stored triage records."""
    from sqlalchemy import func, select

    from service import create_app
    from service.database import initialise_database
    from service.extensions import db
    from service.models import TriageRecord
    from service.settings import normalise_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url)})
    with app.app_context():
        initialise_database()
        db.session.remove()

    def stored() -> int:
        with app.app_context():
            count = db.session.scalar(select(func.count(TriageRecord.id)))
            db.session.remove()
            return count

    return stored


def measure(app: str, env: dict, bodies: Path, args, path: str = "/api/v1/triage") -> dict:
    """Warm the server up, then load it; the measured run's summary."""
    with gunicorn(app, args.workers, args.threads, env) as (port, pid):
        warm = load(port, path, bodies=bodies, concurrency=args.concurrency,
                    requests=args.warmup, seconds=60)
        cpu_before = tree_cpu_seconds(pid)
        result = load(port, path, bodies=bodies, concurrency=args.concurrency,
                      requests=args.requests, seconds=args.seconds)
        cpu = tree_cpu_seconds(pid) - cpu_before
    latencies = sorted(result["latencies"])
    ok = result["statuses"].get("200", 0)
    return {
        "ok": ok,
        "answered": ok + warm["statuses"].get("200", 0),  # every 200 should be a stored row
        "errors": sum(result["statuses"].values()) - ok,
        "rate": ok / result["elapsed"],
        # Server CPU per answer: steadier than requests/s when other work shares the cores.
        "cpu_ms": cpu / max(1, sum(result["statuses"].values())) * 1000,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to triage against as well")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--requests", type=int, default=4000, help="measured requests")
    parser.add_argument("--warmup", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=60.0, help="cap per measured run")
    args = parser.parse_args()
    print(describe())
    print(f"gunicorn gthread, {args.workers} workers x {args.threads} threads; "
          f"{args.concurrency} keep-alive connections; {args.requests} requests after "
          f"{args.warmup} warm-up")
    with tempfile.TemporaryDirectory() as folder:
        bodies = Path(folder) / "intakes.json"
        write_intakes(bodies)
        databases = [("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if args.postgres:
            databases.append(("PostgreSQL", args.postgres))
        bare = measure("bench.apps:bare_app()", {}, bodies, args)
        rows = [["bare Flask endpoint", "-", bare]]
        # Not a target: the service's app with a do-nothing endpoint, to show how much of
        # the gap is the app's own hooks (security headers, sessions) rather than triage.
        floor_env = {"DATABASE_URL": databases[0][1], "SECRET_KEY": "bench-only"}
        floor = measure("bench.apps:service_floor_app()", floor_env, bodies, args,
                        path="/bench/floor")
        rows.append(["service app, do-nothing endpoint", "-", floor])
        for name, url in databases:
            stored = prepare_database(url)
            before = stored()
            env = {"DATABASE_URL": url, "SECRET_KEY": "bench-only"}
            result = measure("service:create_app()", env, bodies, args)
            rows.append([f"triage, {name}", f"{stored() - before:,} / {result['answered']:,}",
                         result])
    table = []
    for label, stored_text, r in rows:
        share = r["rate"] / bare["rate"]
        verdict = "-" if r is bare else f"{share:.0%}" + (" ok" if share >= TARGET else " MISS")
        table.append([label, f"{r['rate']:,.0f}", f"{r['p50']:.1f}", f"{r['p99']:.1f}",
                      r["errors"], verdict, f"{r['cpu_ms']:.2f}", stored_text])
    print_table(["server", "requests/s", "p50 ms", "p99 ms", "errors",
                 f"share of bare (target >= {TARGET:.0%})", "server CPU ms / request",
                 "rows stored / 200s"], table)
    print(describe().replace("machine:", "after:"))


if __name__ == "__main__":
    main()
