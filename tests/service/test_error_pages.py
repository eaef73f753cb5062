"""What a person sees when a page cannot be shown: patients a page of the service's own,
API clients JSON, clinicians a plain line; never a bare server error."""

from __future__ import annotations

import pytest

import service.errors
from service.store.records import RecordNotStored


@pytest.fixture
def failing(app):
    """The app with pages that fail on purpose, under patient, API and panel paths."""

    def unexpected():
        raise RuntimeError("a bug")

    def unstored():
        raise RecordNotStored("the triage record was not stored")

    for prefix in ("", "/api/v1", "/admin"):
        app.add_url_rule(f"{prefix}/test-bug", f"bug{prefix}", unexpected)
        app.add_url_rule(f"{prefix}/test-outage", f"outage{prefix}", unstored)
    return app.test_client()


def patient_page(response) -> str:
    page = " ".join(response.get_data(as_text=True).split())
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Back pain and sciatica check" in page  # the service's own page
    assert 'href="/">Go to the questionnaire' in page
    assert "emergency department (A&amp;E) now" in page
    return page


def test_a_missing_page_is_the_services_own(client):
    response = client.get("/results/ST-7K3M-9QXD")
    assert response.status_code == 404
    assert "There is no page here" in patient_page(response)


def test_an_unexpected_error_on_a_patients_page(failing):
    response = failing.get("/test-bug")
    assert response.status_code == 500
    page = patient_page(response)
    assert "Something went wrong" in page and "nothing was assessed" in page
    assert "RuntimeError" not in page and "a bug" not in page


def test_the_database_unreachable_on_a_patients_page(failing):
    response = failing.get("/test-outage")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Nothing you sent has been saved" in patient_page(response)


def test_api_and_panel_paths_keep_their_own_answers(failing):
    api = failing.get("/api/v1/test-outage")
    assert api.status_code == 503 and api.get_json()["error"] == "service unavailable"
    assert failing.get("/api/v1/test-bug").get_json()["error"] == "internal error"
    panel = failing.get("/admin/test-outage")
    assert panel.status_code == 503
    assert panel.get_data(as_text=True).startswith("The database cannot be reached")
    bug = failing.get("/admin/test-bug")
    assert bug.status_code == 500
    assert bug.get_data(as_text=True).startswith("Something went wrong in the panel")


def test_if_even_the_problem_page_fails_the_words_still_get_through(failing, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(service.errors, "render_template", broken)
    response = failing.get("/test-outage")
    assert response.status_code == 503
    assert "go to an emergency department now" in response.get_data(as_text=True)
