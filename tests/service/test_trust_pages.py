"""About, clinical safety and privacy: the pages that say what the service is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.patient.result_access import redact
from service.server import AccessLogWithoutTokens


@pytest.mark.parametrize("path, words", [
    ("/about", ["Who it is for", "Who it is not for", "not a diagnosis", "version 1"]),
    ("/clinical-safety", ["docs/clinical-safety.md", "hazard log", "version 1"]),
    ("/privacy", ["How long we keep it", "365 days", "deleted", "quote your reference",
                  "never ask for your name"]),
])
def test_each_trust_page_says_what_it_must(client, path, words):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for word in words:
        assert word in html, word


def test_the_privacy_notice_gives_the_configured_retention(app, client):
    app.config["RETENTION_DAYS"] = 90
    assert "90 days" in client.get("/privacy").get_data(as_text=True)


def test_every_patient_page_links_to_the_trust_pages(client):
    html = client.get("/").get_data(as_text=True)
    for path in ("/about", "/clinical-safety", "/privacy"):
        assert f'href="{path}"' in html


def test_the_token_of_a_result_address_never_reaches_the_access_log():
    token = "qzQmSNlmWHE-gdZfeZjGF6M-UaJRAeSB"
    line = f"GET /result/ST-8AJ9-A1PE/{token}/handout HTTP/1.1"
    assert redact(line) == "GET /result/ST-8AJ9-A1PE/[token]/handout HTTP/1.1"

    class Config:
        def __getattr__(self, name):
            return None

    class Request:
        method, query, version, headers = "GET", "", (1, 1), []
        path = uri = f"/result/ST-8AJ9-A1PE/{token}"

    class Response:
        status, sent, headers, response_length = "200 OK", 10, [], 10

    logger = AccessLogWithoutTokens.__new__(AccessLogWithoutTokens)
    logger.cfg = Config()
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": Request.path, "PATH_INFO": Request.path,
               "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": f"http://x/result/ST-8AJ9-A1PE/{token}"}
    atoms = logger.atoms(Response(), Request(), environ, timedelta(seconds=0.01))
    assert token not in repr(atoms)
    assert "/result/ST-8AJ9-A1PE/[token]" in atoms["r"]
