"""The what-if job pages: who may start, read and stop one, through the forms as rendered."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest

from service.extensions import db
from service.whatif.models import WhatIfJob
from service.whatif.synthetic import generate_history
from tests.admin.conftest import PASSWORD, email_for
from tests.admin.helpers import page_text


class _Forms(HTMLParser):
    """Every form on a page: its action and the fields a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif tag in ("input", "textarea", "select") and self.forms and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def rendered_form(html: str, action_part: str) -> dict:
    parser = _Forms()
    parser.feed(html)
    return next(f for f in parser.forms if action_part in f["action"])


def signed_in(app, role: str):
    """A client signed in through the login page as rendered, CSRF token and all."""
    client = app.test_client()
    form = rendered_form(page_text(client.get("/admin/login/")), "")
    form["fields"].update(email=email_for(role), password=PASSWORD)
    response = client.post("/admin/login/", data=form["fields"])
    assert response.status_code == 302, f"{role} could not sign in"
    return client


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True  # the forms as a browser sends them, token and all
    with app.app_context():
        generate_history(300, seed=4)
    return app


def wait_until_finished(client, job_id: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(f"/admin/whatifjobs/{job_id}/progress.json").get_json()
        if state["finished"]:
            return state
        time.sleep(0.1)
    raise AssertionError("the what-if did not finish within a minute")


def test_editor_starts_a_job_from_the_rendered_form_and_reads_the_result(csrf_app, users):
    editor = signed_in(csrf_app, "editor")
    page = editor.get("/admin/whatifjobs/")
    assert page.status_code == 200
    form = rendered_form(page_text(page), "/start/")
    assert set(form["fields"]) == {"csrf_token", "since", "until"}
    started = editor.post(form["action"], data=form["fields"])
    assert started.status_code == 302, page_text(started)
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    state = wait_until_finished(editor, job_id)
    assert state["status"] == "complete" and state["done"] == state["total"] == 300
    result_page = page_text(editor.get(f"/admin/whatifjobs/{job_id}/"))
    assert "Replayed 300 intake(s)" in result_page
    assert 'http-equiv="refresh"' not in result_page  # finished: no more reloading
    with csrf_app.app_context():
        assert db.session.get(WhatIfJob, job_id).started_by == users["editor"]


def test_a_running_job_page_refreshes_itself_without_javascript(csrf_app, users):
    with csrf_app.app_context():
        from service.whatif.jobs import create_job

        job_id = create_job(users["editor"]).id  # created, not yet run
    viewer = signed_in(csrf_app, "viewer")
    page = page_text(viewer.get(f"/admin/whatifjobs/{job_id}/"))
    assert 'http-equiv="refresh"' in page and "<progress" in page
    assert "0 of 300 records" in page


def test_viewer_reads_but_cannot_start_or_stop(csrf_app, users):
    with csrf_app.app_context():
        from service.whatif.jobs import create_job

        job_id = create_job(users["editor"]).id
    viewer = signed_in(csrf_app, "viewer")
    page = viewer.get("/admin/whatifjobs/")
    assert page.status_code == 200
    form = rendered_form(page_text(page), "/start/")
    assert viewer.post(form["action"], data=form["fields"]).status_code == 403
    job_page = page_text(viewer.get(f"/admin/whatifjobs/{job_id}/"))
    cancel = rendered_form(job_page, "/cancel/")
    assert viewer.post(cancel["action"], data=cancel["fields"]).status_code == 403
    assert viewer.get(f"/admin/whatifjobs/{job_id}/progress.json").status_code == 200


def test_editor_stops_a_job_from_the_rendered_form(csrf_app, users):
    with csrf_app.app_context():
        from service.whatif.jobs import create_job

        job_id = create_job(users["editor"]).id
    editor = signed_in(csrf_app, "editor")
    cancel = rendered_form(page_text(editor.get(f"/admin/whatifjobs/{job_id}/")), "/cancel/")
    assert editor.post(cancel["action"], data=cancel["fields"]).status_code == 302
    with csrf_app.app_context():
        assert db.session.get(WhatIfJob, job_id).cancel_requested


def test_anonymous_is_sent_to_sign_in(csrf_app):
    response = csrf_app.test_client().get("/admin/whatifjobs/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_range_ending_before_it_starts_is_refused_by_name(csrf_app, users):
    editor = signed_in(csrf_app, "editor")
    form = rendered_form(page_text(editor.get("/admin/whatifjobs/")), "/start/")
    form["fields"].update(since="2026-06-02", until="2026-06-01")
    response = editor.post(form["action"], data=form["fields"])
    assert response.status_code == 400
    assert "the last day comes before the first" in page_text(response)
