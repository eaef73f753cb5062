"""The database unreachable: 503 JSON with a retry hint, health says so, then recovery."""

import os
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy.pool import NullPool

from service import create_app
from service.extensions import db
from service.store.database import initialise_database
from tests.service.tcp_proxy import TcpProxy


@pytest.fixture
def outage(tmp_path):
    """(app, cut, restore): an app whose database can be made unreachable and brought back."""
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if pg_url:
        from service.settings import normalise_database_url

        parts = urlsplit(normalise_database_url(pg_url))
        proxy = TcpProxy((parts.hostname, parts.port or 5432))
        netloc = parts.netloc.replace(f"{parts.hostname}:{parts.port or 5432}",
                                      f"127.0.0.1:{proxy.port}")
        uri = urlunsplit(parts._replace(netloc=netloc))
        cut, restore = proxy.cut, proxy.restore
    else:
        folder = tmp_path / "data"
        folder.mkdir()
        uri = f"sqlite:///{folder / 'outage.db'}"

        def cut():  # the file's folder is gone: a new connection cannot open it
            folder.rename(tmp_path / "away")

        def restore():
            (tmp_path / "away").rename(folder)

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri,
                      "SECRET_KEY": "test", "RULESET_POLL_SECONDS": 0.0,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool}})
    with app.app_context():
        db.drop_all()
        initialise_database()
    yield app, cut, restore
    with app.app_context():
        app.extensions["sciatica_ruleset"].close()
        if pg_url:
            db.drop_all()
        db.engine.dispose()
    if pg_url:
        proxy.close()


def test_unreachable_database_gives_503_with_retry_hint_and_recovers(outage, intake):
    app, cut, restore = outage
    client = app.test_client()
    assert client.post("/api/v1/triage", json=intake).status_code == 200

    cut()
    response = client.post("/api/v1/triage", json=intake)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["error"] == "service unavailable" and body["retry_after"] == 5
    assert "emergency department now" in body["detail"]  # safety advice even now
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "reason": "database unreachable"}

    restore()
    assert client.get("/healthz").status_code == 200
    recovered = client.post("/api/v1/triage", json=intake)
    assert recovered.status_code == 200
    assert recovered.get_json()["triage_level"] == "self_care"


def test_a_database_that_never_answers_gives_503_within_the_connect_timeout(intake):
    # Accepts TCP connections (the kernel's backlog) but never speaks PostgreSQL: what a
    # hung server or a half-open network path looks like to libpq.
    with socket.create_server(("127.0.0.1", 0), backlog=64) as silent:
        port = silent.getsockname()[1]
        app = create_app({"TESTING": True, "SECRET_KEY": "test",
                          "SQLALCHEMY_DATABASE_URI":
                              f"postgresql+psycopg://nobody@127.0.0.1:{port}/none",
                          "DATABASE_CONNECT_TIMEOUT": 1})
        answers = []
        # In a thread of its own, so that without a timeout the test fails, not hangs.
        asking = threading.Thread(target=lambda: answers.append(
            app.test_client().post("/api/v1/triage", json=intake)), daemon=True)
        started = time.monotonic()
        asking.start()
        asking.join(timeout=30)
        waited = time.monotonic() - started
    assert answers, f"no answer after {waited:.0f} s from a database that never answers"
    assert answers[0].status_code == 503
    assert answers[0].headers["Retry-After"] == "5"
    assert waited < 10


def test_postgresql_connections_get_a_connect_timeout_by_default():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/none"})
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["connect_timeout"] == 10


def test_the_web_form_keeps_the_answers_and_says_so_when_they_cannot_be_saved(outage):
    from werkzeug.datastructures import MultiDict

    from service.store.models import TriageRecord
    from tests.service.test_pages import csrf_token, routine_answers

    app, cut, restore = outage
    client = app.test_client()
    answers = MultiDict(routine_answers())
    answers["csrf_token"] = csrf_token(client)

    def stored() -> int:
        with app.app_context():
            return db.session.scalar(db.select(db.func.count(TriageRecord.id)))

    cut()
    response = client.post("/", data=answers)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/html"
    assert "Your answers could not be saved" in page
    assert "there is no result yet" in page and "emergency department now" in page
    # The answers are kept, on the page to check them, with the button to send them again.
    assert f'<dd>{answers["age"]}</dd>' in page and "See my result" in page
    assert "data-triage-level" not in page  # no result that was not stored
    assert response.headers["Cache-Control"] == "no-store"

    restore()
    assert stored() == 0
    # Pressing the button again, as told: the page's own form, with its own token.
    again = client.post("/questions/check", data={"csrf_token": answers["csrf_token"]},
                        follow_redirects=True)
    assert again.status_code == 200 and "data-triage-level" in again.get_data(as_text=True)
    assert stored() == 1
