"""The what-if job pages: who may start, read and stop one, through the forms as rendered."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from service.extensions import db
from service.whatif.models import WhatIfJob
from service.whatif.synthetic import generate_history
from tests.admin.gate_flow import sign_in_via_page as signed_in
from tests.admin.helpers import page_text, words
from tests.admin.rendered_form import find_form, submit


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
    assert set(find_form(page.get_data(), "Replay the draft").fields) == {
        "csrf_token", "scope", "since", "until"}
    started = submit(editor, page, "Replay the draft")
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
    assert "0 of 300 intakes and check-ins" in page


def test_viewer_reads_but_cannot_start_or_stop(csrf_app, users):
    with csrf_app.app_context():
        from service.whatif.jobs import create_job

        job_id = create_job(users["editor"]).id
    viewer = signed_in(csrf_app, "viewer")
    page = viewer.get("/admin/whatifjobs/")
    assert page.status_code == 200
    # No button a viewer cannot use: a sentence says who can.
    assert "Replay the draft over all of history" not in page_text(page)
    assert "needs an editor's account" in words(page_text(page))
    job_page = viewer.get(f"/admin/whatifjobs/{job_id}/")
    assert job_page.status_code == 200 and "Stop this what-if" not in page_text(job_page)
    # And the requests themselves are refused, sent as the editor's forms would send them
    # but with the viewer's own session and token (from the sign-out form every page has).
    editor = signed_in(csrf_app, "editor")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))[1]
    start = find_form(editor.get("/admin/whatifjobs/").get_data(), "Replay the draft")
    stop = find_form(editor.get(f"/admin/whatifjobs/{job_id}/").get_data(), "Stop this what-if")
    for form in (start, stop):
        data = {**form.fields, "csrf_token": token}
        assert viewer.post(form.action, data=data).status_code == 403
    assert viewer.get(f"/admin/whatifjobs/{job_id}/progress.json").status_code == 200
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count(WhatIfJob.id))) == 1
        assert not db.session.get(WhatIfJob, job_id).cancel_requested


def test_editor_stops_a_job_from_the_rendered_form(csrf_app, users):
    with csrf_app.app_context():
        from service.whatif.jobs import create_job

        job_id = create_job(users["editor"]).id
    editor = signed_in(csrf_app, "editor")
    job_page = editor.get(f"/admin/whatifjobs/{job_id}/")
    assert submit(editor, job_page, "Stop this what-if").status_code == 302
    with csrf_app.app_context():
        assert db.session.get(WhatIfJob, job_id).cancel_requested


def test_anonymous_is_sent_to_sign_in(csrf_app):
    response = csrf_app.test_client().get("/admin/whatifjobs/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_range_of_days_replays_and_names_the_days_chosen(csrf_app, users):
    """The last day chosen is replayed and named as chosen, though a job stores the start
    of the day after it."""
    from service.store.models import TriageRecord

    with csrf_app.app_context():
        days = [created.date() for created in db.session.scalars(
            select(TriageRecord.created_at).where(TriageRecord.reference.like("SY-%")))]
    first, last = sorted(days)[100], sorted(days)[200]
    editor = signed_in(csrf_app, "editor")
    started = submit(editor, editor.get("/admin/whatifjobs/"), "Replay the draft",
                     scope="range", since=first.isoformat(), until=last.isoformat())
    assert started.status_code == 302, page_text(started)
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    state = wait_until_finished(editor, job_id)
    assert state["total"] == sum(first <= day <= last for day in days)
    named = f"from {first:%d %b %Y} to {last:%d %b %Y}"
    assert f"replayed over the intakes and check-ins {named}" in words(
        page_text(editor.get(f"/admin/whatifjobs/{job_id}/")))
    assert f"{first:%d %b %Y} to {last:%d %b %Y}" in words(
        page_text(editor.get("/admin/whatifjobs/")))


def test_a_range_ending_before_it_starts_is_refused_by_name(csrf_app, users):
    editor = signed_in(csrf_app, "editor")
    response = submit(editor, editor.get("/admin/whatifjobs/"), "Replay the draft",
                      scope="range", since="2026-06-02", until="2026-06-01")
    assert response.status_code == 400
    assert "the last day comes before the first" in page_text(response)


def test_the_publish_page_cites_the_what_if_for_exactly_this_draft(csrf_app, users):
    from service.store.models import Rule
    from service.whatif.jobs import create_job, run_job

    publisher = signed_in(csrf_app, "publisher")
    assert "No what-if over stored history has been run for exactly this draft" in \
        page_text(publisher.get("/admin/publish/"))
    with csrf_app.app_context():
        db.session.execute(db.update(Rule).where(Rule.slug == "ces_saddle_numbness")
                           .values(enabled=False))
        db.session.commit()
        job = run_job(create_job(users["editor"]).id)
        assert job.less_urgent > 0
    page = page_text(publisher.get("/admin/publish/"))
    assert f"what-if {job.id}" in page and f"{job.less_urgent} less urgent" in page
    with csrf_app.app_context():  # an edit makes it a different draft: no longer cited
        db.session.execute(db.update(Rule).where(Rule.slug == "ces_saddle_numbness")
                           .values(name="Saddle numbness (edited)"))
        db.session.commit()
    assert f"what-if {job.id}" not in page_text(publisher.get("/admin/publish/"))


def test_the_result_page_lists_check_ins_that_would_change(app, users):
    """Stored check-ins are replayed too: the page says which people's weeks would be
    told something less urgent, by reference and week, under their own heading."""
    from service.store.models import Rule
    from service.whatif.jobs import create_job, run_job

    with app.app_context():
        generate_history(400, days=90, seed=8, checkins=0.6)
        db.session.execute(db.update(Rule).where(Rule.slug.like("course_%"))
                           .values(enabled=False))
        db.session.commit()
        job = run_job(create_job(users["editor"]).id)
        found = job.result["checkins"]
        less = sum(t["people"] for t in found["transitions"] if t["less_urgent"])
        assert less > 0 and job.result["transitions"] == []
        example = next(t for t in found["transitions"] if t["less_urgent"])["changes"][0]
    page = words(page_text(signed_in(app, "viewer").get(f"/admin/whatifjobs/{job.id}/")))
    assert f"Replayed 400 intake(s) and {found['replayed']} weekly check-in(s)" in page
    assert "0 intake(s) would get a different level" in page
    assert f"{less} of them less urgent" in page
    assert "No intake would get a different level." in page
    assert example["reference"] in page and " week " in example["reference"]


def test_the_publish_page_says_when_the_what_if_compared_with_another_live_version(
        csrf_app, users):
    """A what-if for exactly this draft, but run while an older version was live: the
    publish page cites it and says to run it again, since its "less urgent" was counted
    against a version patients no longer get."""
    from sqlalchemy import update

    from service.store.models import Exercise
    from service.triage.publishing import publish
    from service.whatif.jobs import create_job, run_job

    with csrf_app.app_context():
        db.session.execute(update(Exercise).where(Exercise.slug == "walking")
                           .values(purpose="Walking, a little further each week."))
        db.session.commit()
        job = run_job(create_job(users["editor"]).id)
        assert job.status == "complete" and job.live_version == 1
    publisher = signed_in(csrf_app, "publisher")
    current = words(page_text(publisher.get("/admin/publish/")))
    assert f"what-if {job.id} replayed {job.done} stored intake(s)" in current
    assert "not with version" not in current

    with csrf_app.app_context():
        assert publish(users["publisher"], note="the walking text").version == 2
    stale = words(page_text(publisher.get("/admin/publish/")))
    assert f"what-if {job.id} replayed {job.done} stored intake(s)" in stale  # same draft
    assert ("It compared the draft with version 1, not with version 2 now live: "
            "run it again.") in stale
