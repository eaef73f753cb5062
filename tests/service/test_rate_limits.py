"""Limits every worker shares, in the database: sign-in attempts and anonymous intakes."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

from service import close_app, create_app
from service.extensions import db
from service.rate_limits import RateCounter
from service.store.database import initialise_database
from tests.conftest import database_uri, empty_database
from tests.gunicorn_server import ROOT, GunicornServer
from tests.service.test_pages import csrf_token, routine_answers, stored


def limited_app(tmp_path, per_hour: int):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
                      "SECRET_KEY": "test", "RULESET_POLL_SECONDS": 0.0,
                      "INTAKE_LIMIT_PER_HOUR": per_hour})
    with app.app_context():
        empty_database()
        initialise_database()
    return app


@pytest.fixture
def app_of_5(tmp_path):
    app = limited_app(tmp_path, 5)
    yield app
    close_app(app)


def test_the_intake_ceiling_answers_429_with_retry_after_and_stores_nothing(app_of_5, intake):
    client = app_of_5.test_client()
    for _ in range(5):
        assert client.post("/api/v1/triage", json=intake).status_code == 200
    refused = client.post("/api/v1/triage", json=intake)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert "emergency department now" in refused.get_json()["detail"]
    assert stored(app_of_5) == 5

    # The web form from the same address is refused too, on a page with the urgent advice.
    page = client.post("/", data={**routine_answers(), "csrf_token": csrf_token(client)})
    assert page.status_code == 429 and "Retry-After" in page.headers
    assert page.mimetype == "text/html"
    assert "emergency department now" in page.get_data(as_text=True)
    assert "Please try again later" in page.get_data(as_text=True)  # the patients' page
    assert stored(app_of_5) == 5

    other = app_of_5.test_client().post("/api/v1/triage", json=intake,
                                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # another address has its own count


def test_behind_a_proxy_without_trust_proxy_patients_are_not_counted_as_one(app_of_5, intake):
    """Misconfigured (no TRUST_PROXY), every request comes from the proxy's address: the
    ceiling counts the forwarded address beside it, so patients do not share one count."""
    client = app_of_5.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        assert client.post("/api/v1/triage", json=intake, environ_base=proxy, headers={
            "X-Forwarded-For": "203.0.113.1"}).status_code == 200
    refused = client.post("/api/v1/triage", json=intake, environ_base=proxy,
                          headers={"X-Forwarded-For": "203.0.113.1"})
    assert refused.status_code == 429
    other_patient = client.post("/api/v1/triage", json=intake, environ_base=proxy,
                                headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.2"})
    assert other_patient.status_code == 200


def test_with_trust_proxy_the_forwarded_address_is_the_client(tmp_path, intake):
    app = limited_app(tmp_path, 2)
    app.config["TRUST_PROXY"] = True
    try:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
        client = app.test_client()
        sent = [client.post("/api/v1/triage", json=intake,
                            headers={"X-Forwarded-For": "203.0.113.5"}).status_code
                for _ in range(3)]
        assert sent == [200, 200, 429]
        assert client.post("/api/v1/triage", json=intake, headers={
            "X-Forwarded-For": "203.0.113.6"}).status_code == 200
    finally:
        close_app(app)


def test_the_counter_table_holds_no_address(app_of_5, intake):
    app_of_5.test_client().post("/api/v1/triage", json=intake,
                                environ_base={"REMOTE_ADDR": "198.51.100.23"})
    with app_of_5.app_context():
        rows = db.session.scalars(db.select(RateCounter)).all()
    assert rows and all("198.51" not in row.address for row in rows)


def test_the_default_ceiling_is_one_a_patient_never_meets(app):
    assert app.config["INTAKE_LIMIT_PER_HOUR"] == 300


def _sign_in_attempt(port: int) -> tuple[int, str]:
    """A browser's attempt on a new connection: GET the form (token, cookie), then POST a
    wrong password. Returns (status, the worker that answered the POST)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/admin/login/")
    page = connection.getresponse()
    cookie = page.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      page.read().decode()).group(1)
    connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode({"email": "someone@example.org", "password": "a guess",
                      "csrf_token": token})
    connection.request("POST", "/admin/login/", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer.status, answer.getheader("X-Served-By")


def test_the_sign_in_limit_is_shared_by_two_gunicorn_workers(tmp_path):
    with GunicornServer(f"sqlite:///{tmp_path / 'limits.db'}", workers=2, threads=2) as server:
        results = [_sign_in_attempt(server.port) for _ in range(24)]
    statuses = [status for status, _ in results]
    workers_that_counted = {worker for status, worker in results[:10]}
    assert statuses[:10] == [200] * 10  # a wrong password: the form again
    assert statuses[10:] == [429] * 14, statuses
    assert len({worker for _, worker in results}) == 2, "only one worker answered"
    assert workers_that_counted  # (both workers usually share the first ten)


def test_the_intake_ceiling_is_shared_by_two_gunicorn_workers(tmp_path, intake):
    with GunicornServer(f"sqlite:///{tmp_path / 'ceiling.db'}", workers=2, threads=2,
                        extra_env={"INTAKE_LIMIT_PER_HOUR": "12"}) as server:
        def post() -> tuple[int, str]:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            connection.request("POST", "/api/v1/triage", body=json.dumps(intake),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            connection.close()
            return response.status, response.getheader("X-Served-By")

        # Left to themselves, one worker can win every accept. So each worker in turn is
        # paused (SIGSTOP) while the other takes intakes: six admitted by one, then the
        # other admits six and refuses the rest, which only a shared count can make it do.
        first, second = _worker_pids(server)
        answers = []
        with _paused(second):
            answers += [post() for _ in range(6)]
        with _paused(first):
            answers += [post() for _ in range(10)]
    statuses = [status for status, _ in answers]
    assert statuses == [200] * 12 + [429] * 4, statuses
    assert None not in {w for _, w in answers}, "an answer without its worker's tag"
    first_tags, second_tags = {w for _, w in answers[:6]}, {w for _, w in answers[6:]}
    assert len(first_tags) == len(second_tags) == 1 and first_tags != second_tags


def _worker_pids(server) -> list[int]:
    """The pids of the gunicorn master's worker processes (Linux /proc)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        master = server.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) == 2:
            return [int(pid) for pid in children]
        time.sleep(0.1)
    raise AssertionError("gunicorn did not have its two workers")


@contextmanager
def _paused(pid: int):
    """Stop one worker process for the block (well within gunicorn's 30 s timeout)."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_new_sqlite_database_and_its_files_are_private(tmp_path):
    folder = tmp_path / "instance"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'private.db'}",
           "SECRET_KEY": "test", "PYTHONPATH": str(ROOT)}
    command = Path(sys.executable).parent / "sciatica-triage"
    subprocess.run([str(command), "init-db"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    with GunicornServer(env["DATABASE_URL"], workers=1, threads=2) as server:
        server.post_json("/api/v1/triage", {"age": 40})  # refused; the files are what count
        files = sorted(p.name for p in folder.iterdir())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert "private.db" in files and "private.db-wal" in files, files
    assert {name: mode for name, mode in modes.items() if mode & 0o077} == {}
