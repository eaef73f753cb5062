"""Where one triage's time goes: POST /api/v1/triage in-process, under pyinstrument.

Also times the same requests without the profiler, for the real per-request cost, next
to a bare Flask endpoint given the same bodies.

    python -m bench.profile_triage                 # SQLite in a temporary folder
    python -m bench.profile_triage --database postgresql://postgres@127.0.0.1:5432/x
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from bench.apps import bare_app
from bench.machine import describe


def per_request_ms(client, path: str, bodies: list[str], count: int) -> tuple[float, float]:
    """(wall ms, CPU ms) per request over `count` requests."""
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        response = client.post(path, data=bodies[n % len(bodies)],
                               content_type="application/json")
        assert response.status_code == 200, response.status_code
    return ((time.perf_counter() - wall) * 1000 / count,
            (time.process_time() - cpu) * 1000 / count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database URL (default: SQLite, temporary)")
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    from pyinstrument import Profiler

    from service import create_app
    from service.settings import normalise_database_url
    from service.store.database import initialise_database
    from tests.rules.generators import random_answers

    print(describe())
    rng = random.Random(1)
    bodies = [json.dumps(random_answers(rng)) for _ in range(200)]
    with tempfile.TemporaryDirectory() as folder:
        url = normalise_database_url(args.database or f"sqlite:///{Path(folder) / 'p.db'}")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only"})
        with app.app_context():
            initialise_database()
        client, bare = app.test_client(), bare_app().test_client()
        per_request_ms(client, "/api/v1/triage", bodies, 200)  # warm-up
        for name, test_client in (("bare Flask endpoint", bare), ("triage", client)):
            wall, cpu = per_request_ms(test_client, "/api/v1/triage", bodies, args.requests)
            print(f"{name}: {wall:.3f} ms wall, {cpu:.3f} ms CPU per request (no profiler)")
        profiler = Profiler(interval=0.0002)
        profiler.start()
        per_request_ms(client, "/api/v1/triage", bodies, args.requests)
        profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
