"""HTTP: triage requests per second and latency under gunicorn, against a bare Flask endpoint.

Every server runs the same way (gunicorn gthread, the same workers and threads, on
127.0.0.1), and all of them are started before any is measured. Each gets an unmeasured
warm-up; then the measured rounds take turns (bare, floor, triage, ..., bare, floor,
...), each a fixed number of seconds of load from bench.loadgen in its own process with
the same intakes. So every server meets the machine in the same states, and the first
server measured is not the one that also warms the machine up. The share of the bare
endpoint is taken round by round (each triage round against the bare round just before
it) and its median reported.

The bare endpoint parses the JSON body and answers a small JSON: the floor of Flask and
gunicorn. Triage is the real service: validate, evaluate, assemble, store, answer.

The load generator's connections open a few milliseconds apart (`--ramp`): opened all at
once to idle workers, they often all land on one worker and halve a round's rate, for
any server alike, which made the shares swing by 2x. Each round's spread of connections
over the workers is read from /proc halfway through it; the table shows the most uneven.
Afterwards the rows stored are counted against the 200s answered. A third row, the
service's own app with a do-nothing endpoint, splits the gap into the app's hooks and
the triage work itself.

    python -m bench.http                                        # SQLite only
    python -m bench.http --postgres postgresql://postgres@127.0.0.1:5432/sciatica_bench
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.machine import describe, print_table
from bench.serving import connections_per_worker, gunicorn, load, tree_cpu_seconds

TARGET = 0.60  # triage throughput as a share of the bare endpoint's


def write_intakes(path: Path, count: int = 500) -> None:
    """Random valid intakes, as a patient's client would send them."""
    from tests.rules.generators import random_answers

    rng = random.Random(7)
    intakes = [random_answers(rng)
               for _ in range(count)]
    path.write_text(json.dumps(intakes))


def commit_seconds(folder: Path, count: int = 500) -> float:
    """Median wall time of committing one triage-sized row to SQLite, alone, on this
    machine: plain sqlite3, WAL, synchronous FULL (the service's settings), no server."""
    import sqlite3
    import time

    connection = sqlite3.connect(folder / "commit.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, reference TEXT UNIQUE, "
                       "intake TEXT, outcome TEXT)")
    intake, outcome = "i" * 900, "o" * 4500  # the sizes of a typical stored record
    times = []
    for n in range(count):
        start = time.perf_counter()
        connection.execute("BEGIN")
        connection.execute("INSERT INTO t (reference, intake, outcome) VALUES (?, ?, ?)",
                           (f"ST-{n}", intake, outcome))
        connection.execute("COMMIT")
        times.append(time.perf_counter() - start)
    connection.close()
    return statistics.median(times)


def prepare_database(url: str):
    """Migrate and seed `url`; a function counting its stored triage records."""
    from sqlalchemy import func, select

    from service import create_app
    from service.extensions import db
    from service.settings import normalise_database_url
    from service.store.database import initialise_database
    from service.store.models import TriageRecord

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


class Server:
    """One running gunicorn server and everything measured on it."""

    def __init__(self, label: str, port: int, pid: int, path: str, stored=None):
        self.label, self.port, self.pid, self.path = label, port, pid, path
        self.stored = stored  # counts its database's triage records (triage servers only)
        self.rows_before = stored() if stored else 0
        self.rates: list[float] = []
        self.latencies: list[float] = []
        self.ok = self.answered = self.errors = 0
        self.cpu_seconds = 0.0
        self.requests = 0
        self.spreads: list[list[int]] = []  # open connections per worker, mid-round

    def run(self, bodies: Path, args, seconds: float, measured: bool = True) -> float:
        cpu_before = tree_cpu_seconds(self.pid)
        result = load(self.port, self.path, bodies=bodies, concurrency=args.concurrency,
                      requests=10**9, seconds=seconds, ramp=args.ramp,
                      probe=lambda: connections_per_worker(self.port, self.pid))
        cpu = tree_cpu_seconds(self.pid) - cpu_before
        # Every 200 should be a stored row: warm-up and the ramp's responses included.
        self.answered += result["all_statuses"].get("200", 0)
        if not measured:
            return 0.0
        ok = result["statuses"].get("200", 0)
        rate = ok / result["elapsed"]
        self.rates.append(rate)
        self.latencies += result["latencies"]
        self.ok += ok
        self.errors += sum(result["statuses"].values()) - ok
        # The CPU measured covers the ramp as well: divide it by every request it served.
        self.requests += sum(result["all_statuses"].values())
        self.cpu_seconds += cpu
        self.spreads.append(result["probe"])
        return rate


def uneven(spreads: list[list[int]]) -> str:
    """The round whose connections were spread most unevenly over the workers."""
    worst = max(spreads, key=lambda spread: max(spread) - min(spread))
    return " / ".join(str(n) for n in worst)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to triage against as well")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6.0, help="load per round, each")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds, each server")
    parser.add_argument("--ramp", type=float, default=0.02,
                        help="seconds between opening one connection and the next; 0 opens "
                             "them all at once, which can leave one worker holding all")
    parser.add_argument("--diagnose", action="store_true",
                        help="also measure, not as targets: a bare endpoint that commits "
                             "one row, triage with storing removed or replaced by a wait "
                             "as long as one commit, SQLite without fsync")
    args = parser.parse_args()
    print(describe())
    print(f"gunicorn gthread, {args.workers} workers x {args.threads} threads; "
          f"{args.concurrency} keep-alive connections opened {args.ramp:g} s apart; "
          f"{args.rounds} rounds of "
          f"{args.seconds:g} s per server after {args.warmup:g} s of warm-up")
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        bodies = Path(folder) / "intakes.json"
        write_intakes(bodies)
        databases = [("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if args.postgres:
            databases.append(("PostgreSQL", args.postgres))

        def serve(label, app, env, path="/api/v1/triage", stored=None) -> Server:
            port, pid = stack.enter_context(gunicorn(app, args.workers, args.threads, env))
            return Server(label, port, pid, path, stored)

        bare = serve("bare Flask endpoint", "bench.apps:bare_app()", {})
        # Not a target: the service's app with a do-nothing endpoint, to show how much of
        # the gap is the app's own hooks (security headers, sessions) rather than triage.
        floor = serve("service app, do-nothing endpoint", "bench.apps:service_floor_app()",
                      {"DATABASE_URL": f"sqlite:///{Path(folder) / 'floor.db'}",
                       "SECRET_KEY": "bench-only"}, path="/bench/floor")
        servers = [bare, floor]
        if args.diagnose:
            servers.append(serve("reference: bare endpoint committing one row (SQLite)",
                                 "bench.apps:bare_storing_app()",
                                 {"DATABASE_URL": f"sqlite:///{Path(folder) / 'bare.db'}"}))
        for name, url in databases:
            stored = prepare_database(url)
            servers.append(serve(f"triage, {name}", "service:create_app()",
                                 {"DATABASE_URL": url, "SECRET_KEY": "bench-only"},
                                 stored=stored))
        if args.diagnose:
            wait = commit_seconds(Path(folder))
            prepare_database(f"sqlite:///{Path(folder) / 'waiting.db'}")  # published rules
            servers.append(serve(
                f"diagnostic: triage, storing replaced by a {wait * 1000:.2f} ms wait "
                "(one SQLite commit)", "bench.apps:triage_waiting_app()",
                {"DATABASE_URL": f"sqlite:///{Path(folder) / 'waiting.db'}",
                 "SECRET_KEY": "bench-only", "BENCH_WAIT_SECONDS": str(wait)}))
            for label, app in (
                    ("diagnostic: triage, nothing stored", "triage_not_stored_app"),
                    ("diagnostic: triage, SQLite synchronous=NORMAL",
                     "triage_sqlite_normal_sync_app")):
                url = f"sqlite:///{Path(folder) / (app + '.db')}"
                stored = prepare_database(url)  # published rules, as for the real thing
                stored = stored if "NORMAL" in label else None
                servers.append(serve(label, f"bench.apps:{app}()",
                                     {"DATABASE_URL": url, "SECRET_KEY": "bench-only"},
                                     stored=stored))
        for server in servers:
            server.run(bodies, args, args.warmup, measured=False)
        shares: dict[str, list[float]] = {s.label: [] for s in servers[1:]}
        for _ in range(args.rounds):
            bare_rate = bare.run(bodies, args, args.seconds)
            for server in servers[1:]:
                shares[server.label].append(server.run(bodies, args, args.seconds) / bare_rate)
        table = []
        for server in servers:
            latencies = sorted(server.latencies)
            share = "-"
            if server is not bare:
                median = statistics.median(shares[server.label])
                share = f"{median:.0%}" + (" ok" if median >= TARGET else " MISS")
                share += f" ({min(shares[server.label]):.0%}-{max(shares[server.label]):.0%})"
            stored_text = "-"
            if server.stored:
                stored_text = f"{server.stored() - server.rows_before:,} / {server.answered:,}"
            table.append([
                server.label, f"{statistics.median(server.rates):,.0f}",
                f"{statistics.median(latencies) * 1000:.1f}",
                f"{latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f}",
                server.errors, share,
                f"{server.cpu_seconds / max(1, server.requests) * 1000:.2f}", stored_text,
                uneven(server.spreads)])
    print_table(["server", "requests/s (median round)", "p50 ms", "p99 ms", "errors",
                 f"share of bare, median of rounds (target >= {TARGET:.0%}) (range)",
                 "server CPU ms / request", "rows stored / 200s",
                 "connections per worker, most uneven round"], table)
    print(describe().replace("machine:", "after:"))


if __name__ == "__main__":
    main()
