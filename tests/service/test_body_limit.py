"""Bodies without a Content-Length (chunked) over 1 MiB are refused whole, never truncated."""

from __future__ import annotations

import io
import json
import socket

import pytest

from tests.gunicorn_server import GunicornServer
from tests.service.test_pages import stored

LIMIT = 1024 * 1024


def padded(intake: dict, padding: int) -> bytes:
    """`intake` with the red flag `saddle_numbness` at the very end, after `padding` spaces:
    a server that cut the body short would triage it without the flag."""
    rest = {k: v for k, v in intake.items() if k != "saddle_numbness"}
    return (json.dumps(rest)[:-1] + "," + " " * padding + '"saddle_numbness": true}').encode()


def chunked_post(port: int, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    """POST `body` with Transfer-Encoding: chunked over a raw socket; (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}"
                     "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode())
        try:
            for i in range(0, len(body), 65536):
                chunk = body[i:i + 65536]
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer 413 and close before the rest is sent
        answer = b""
        while data := sock.recv(65536):
            answer += data
    head, _, payload = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), payload


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chunked")
    with GunicornServer(f"sqlite:///{folder / 'chunked.db'}", workers=1, threads=2) as server:
        yield server


def test_a_chunked_body_over_the_limit_is_refused_by_gunicorn(server, intake):
    status, payload = chunked_post(server.port, "/api/v1/triage", padded(intake, LIMIT),
                                   "application/json")
    assert status == 413
    assert json.loads(payload)["fields"] == {"body": f"is larger than {LIMIT} bytes"}


def test_a_chunked_body_within_the_limit_is_read_whole_by_gunicorn(server, intake):
    status, payload = chunked_post(server.port, "/api/v1/triage",
                                   padded(intake, LIMIT - 1000), "application/json")
    assert status == 200
    assert json.loads(payload)["triage_level"] == "emergency"  # the flag at the end counted


def chunked(client, path: str, body: bytes, content_type: str):
    return client.post(path, input_stream=io.BytesIO(body), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked"})


def test_a_chunked_body_over_the_limit_is_refused_by_the_app(client, app, intake):
    response = chunked(client, "/api/v1/triage", padded(intake, LIMIT), "application/json")
    assert response.status_code == 413
    assert stored(app) == 0
    within = chunked(client, "/api/v1/triage", padded(intake, 1000), "application/json")
    assert within.status_code == 200 and within.get_json()["triage_level"] == "emergency"


def test_a_chunked_form_post_over_the_limit_is_refused(client, app):
    body = b"age=40&" + b"x" * LIMIT + b"=1&saddle_numbness=yes"
    response = chunked(client, "/", body, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert stored(app) == 0
