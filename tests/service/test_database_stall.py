"""A database that stalls: it accepts connections and never answers (PostgreSQL behind a
proxy that stops forwarding), or another process holds its write lock (SQLite's
BEGIN EXCLUSIVE). Every request answers within DATABASE_CONNECT_TIMEOUT and a small
margin: a 503 with the emergency wording for intakes; /healthz says the database is
unreachable; and `/` and /healthz answer while intakes wait, so no worker is all stuck.

Against real gunicorn (two workers), a real PostgreSQL (TEST_DATABASE_URL) and a real
SQLite file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text

from tests.gunicorn_server import GunicornServer
from tests.service.tcp_proxy import TcpProxy

TIMEOUT = 3  # DATABASE_CONNECT_TIMEOUT for these servers
MARGIN = 2.5  # a new connection gets at least 2 s (libpq); scheduling on a busy machine
STALLED_INTAKES = 4

HOLD_EXCLUSIVE = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


def timed(url: str, body: dict | None = None) -> tuple[int, float, str, dict]:
    """(status, seconds, body, headers) of one request on its own connection."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data,
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, text_, headers = response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        status, text_, headers = error.code, error.read().decode(), error.headers
    return status, time.monotonic() - started, text_, dict(headers)


def postgres_behind_a_proxy():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (.ci/run does)")
    from service.settings import normalise_database_url

    parts = urlsplit(normalise_database_url(url))
    engine = create_engine(urlunsplit(parts))
    with engine.begin() as connection:  # the server's database starts empty
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    proxy = TcpProxy((parts.hostname, parts.port or 5432))
    netloc = parts.netloc.replace(f"{parts.hostname}:{parts.port or 5432}",
                                  f"127.0.0.1:{proxy.port}")
    return urlunsplit(parts._replace(netloc=netloc)), proxy


@pytest.fixture(params=["postgresql", "sqlite"])
def stalled(request, tmp_path):
    """(server, stall, resume) for a server whose database can be made to stall."""
    if request.param == "postgresql":
        url, proxy = postgres_behind_a_proxy()
        stall, resume, finish = proxy.stall, proxy.resume, proxy.close
    else:
        path = tmp_path / "stall.db"
        url = f"sqlite:///{path}"
        holder: list[subprocess.Popen] = []

        def stall():
            other = subprocess.Popen([sys.executable, "-c", HOLD_EXCLUSIVE, str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert other.stdout.readline() == "held\n"
            holder.append(other)

        def resume():
            for other in holder:
                other.stdin.write("\n")
                other.stdin.close()
                other.wait(timeout=10)
                other.stdout.close()
            holder.clear()

        finish = resume
    server = GunicornServer(url, workers=2, threads=8,
                            extra_env={"DATABASE_CONNECT_TIMEOUT": str(TIMEOUT)})
    server.start(timeout=60)
    try:
        yield server, stall, resume
    finally:
        resume()
        server.stop()
        finish()


def test_a_stalled_database_answers_every_request_in_time(stalled, intake):
    server, stall, resume = stalled
    for _ in range(4):  # pooled connections in both workers, then the stall under them
        assert server.post_json("/api/v1/triage", intake)[0] == 200
    stall()
    results: dict[str, list] = {"intake": [], "page": [], "health": []}

    def ask(kind: str, path: str, body: dict | None = None) -> None:
        results[kind].append(timed(server.url + path, body))

    posts = [threading.Thread(target=ask, args=("intake", "/api/v1/triage", intake))
             for _ in range(STALLED_INTAKES)]
    for thread in posts:
        thread.start()
    time.sleep(0.5)  # the intakes are waiting on the database now
    asked_at = time.monotonic()
    ask("page", "/")
    page_took = time.monotonic() - asked_at
    ask("health", "/healthz")
    for thread in posts:
        thread.join(timeout=60)

    # The questionnaire needs no database: it answers at once, intakes or not.
    status, seconds, _, _ = results["page"][0]
    assert status == 200 and page_took < 1.5, f"/ took {page_took:.1f} s"
    status, seconds, body, _ = results["health"][0]
    assert status == 503 and json.loads(body)["reason"] == "database unreachable"
    assert seconds < 2 + MARGIN, f"/healthz took {seconds:.1f} s"
    assert len(results["intake"]) == STALLED_INTAKES, "an intake never answered"
    took = [round(seconds, 1) for _, seconds, _, _ in results["intake"]]
    for status, seconds, body, headers in results["intake"]:
        assert status == 503, body[:300]
        assert seconds < TIMEOUT + MARGIN, f"an intake took {seconds:.1f} s (all: {took})"
        assert headers.get("Retry-After") == "5"
        assert "emergency department now" in json.loads(body)["detail"]

    resume()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the service comes back by itself
        if server.post_json("/api/v1/triage", intake)[0] == 200:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the service did not recover after the database came back")
    # Every worker's health check comes back by itself too. A worker whose requests all
    # timed out keeps a stricter connect budget for 30 s after its last timeout
    # (service/store/deadline.py), so allow that long, then ask it four times in a row.
    deadline = time.monotonic() + 45
    streak = 0
    while time.monotonic() < deadline and streak < 4:
        streak = streak + 1 if timed(server.url + "/healthz")[0] == 200 else 0
        time.sleep(0.25)
    assert streak == 4, "a worker's /healthz did not come back within 45 s of the database"
