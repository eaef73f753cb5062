"""What-if over all of history, in Chromium: start it, watch the bar move, read the result."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from service.extensions import db
from service.store.models import TriageRecord
from service.whatif import runner
from service.whatif.synthetic import generate_history
from tests.browser.test_admin_panel import menu, panel, publisher_account, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def slow_history(live_server, monkeypatch):
    """2,000 more stored intakes, replayed slowly enough (about 4 s) to watch the bar;
    how many there are in all (other tests share the live server's database)."""
    with live_server.app.app_context():
        generate_history(2000, seed=21)
        total = db.session.scalar(db.select(db.func.count(TriageRecord.id)))
    real = runner.Replayer.replay

    def slowly(self, batch):
        time.sleep(0.2)
        return real(self, batch)

    monkeypatch.setattr(runner, "BATCH", 100)
    monkeypatch.setattr(runner.Replayer, "replay", slowly)
    yield total
    with live_server.app.app_context():  # leave the shared database as other tests expect
        db.session.execute(db.delete(TriageRecord).where(TriageRecord.reference.like("SY-%")))
        db.session.commit()


def test_a_what_if_over_history_shows_progress_then_the_result(panel, slow_history,  # noqa: F811
                                                               artifacts):
    page = panel
    menu(page, "Check the draft", "What-if on all history")
    page.get_by_role("button", name="Replay the draft over all of history").click()
    bar = page.locator("progress#what-if-bar")
    expect(bar).to_be_visible()
    # The bar moves without the page reloading: the same document, a growing value.
    page.evaluate("window.__sameDocument = true")
    expect(page.locator(".what-if-counts")).to_contain_text("a second", timeout=10_000)
    first = int(bar.get_attribute("value") or 0) if bar.count() else 0
    shot(page, artifacts, "what-if-running")
    page.wait_for_function(
        "v => document.querySelector('progress#what-if-bar').value > v", arg=first,
        timeout=10_000)
    assert page.evaluate("window.__sameDocument === true")
    # When it ends the page reloads once, to show what the draft would change.
    expect(page.locator(".what-if-summary")).to_contain_text(
        f"Replayed {slow_history} intake(s)", timeout=30_000)
    expect(page.locator(".what-if-status")).to_have_text("complete")
    shot(page, artifacts, "what-if-complete")


def test_a_what_if_result_fits_a_phone(panel, live_server, artifacts):  # noqa: F811
    """The tables of people whose level would change scroll in their own box at 375 px,
    rather than widening the page."""
    from service.store.models import Rule
    from service.whatif.jobs import create_job, run_job

    saddle = db.update(Rule).where(Rule.slug == "ces_saddle_numbness")
    with live_server.app.app_context():
        generate_history(300, seed=22)
        db.session.execute(saddle.values(enabled=False))
        db.session.commit()
        job_id = run_job(create_job("editor@example.org").id).id
    try:
        page = panel
        page.set_viewport_size({"width": 375, "height": 812})
        page.goto(live_server.path(f"/admin/whatifjobs/{job_id}/"))
        expect(page.locator(".what-if-transition").first).to_contain_text("less urgent")
        shot(page, artifacts, "what-if-result-375")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    finally:
        with live_server.app.app_context():  # as other tests on this server expect
            db.session.execute(saddle.values(enabled=True))
            db.session.execute(db.delete(TriageRecord)
                               .where(TriageRecord.reference.like("SY-%")))
            db.session.commit()
