"""The publish gate in real Chromium, as the clinicians involved would meet it.

A publisher switches off the saddle numbness rule alone and is refused, with a table
naming the made-up patient and the rule; the clinical safety officer approves it with a
reason; the publisher publishes it; the audit log has the refusal and the approval; and
the publisher restores the version before it from its compare page, so patients (and
the other browser tests) get the saddle numbness rule back.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from admin.models import User
from service.extensions import db
from tests.browser.test_admin_panel import (  # noqa: F401  (fixtures used by name)
    DESKTOP,
    menu,
    panel,
    publisher_account,
    shot,
)

pytestmark = pytest.mark.browser

OFFICER, OFFICER_PASSWORD = "cso@example.org", "a long safety officer password"
SADDLE = "Cauda equina: numbness around the genitals or back passage"
SADDLE_ALONE = "numbness around the genitals or back passage alone"
SADDLE_ENTRY = {
    "saddle_numbness": True, "bladder_bowel_change": False, "leg_pain": "none",
    "leg_weakness": "none", "age": 40, "days_since_onset": 5, "pain_score": 5,
    "fever": False, "iv_drug_use": False, "immunosuppressed": False,
    "recent_infection": False, "cancer_history": False, "unexplained_weight_loss": False,
    "night_pain": False, "thoracic_pain": False, "major_trauma": False,
    "osteoporosis": False, "long_term_steroids": False}


@pytest.fixture
def officer(browser, live_server):
    """A second person: the clinical safety officer, signed in in a browser of their own."""
    with live_server.app.app_context():
        if db.session.scalar(db.select(User.id).where(User.email == OFFICER)) is None:
            db.session.add(User(email=OFFICER, role="safety_officer",
                                password_hash=generate_password_hash(OFFICER_PASSWORD)))
            db.session.commit()
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server.path("/admin/login/"))
    page.get_by_label("Email").fill(OFFICER)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Patients are getting version")).to_be_visible()
    yield page
    context.close()


@pytest.fixture
def saddle_unguarded(live_server):
    """The team's deliberate change, as they would make it: the vignettes demanding A&E
    for saddle numbness leave the test set first (every rule has a vignette now, so with
    them the draft fails outright and nobody can approve it). What is left for the gate
    is the probes, which only a safety officer's approval can pass. The live server is
    shared by the session: the vignettes are put back afterwards."""
    from service.store.models import Vignette

    def answers_saddle(v) -> bool:
        return bool(v.intake.get("saddle_numbness")) or any(
            (c.get("answers") or c).get("saddle_numbness") for c in (v.checkins or []))

    with live_server.app.app_context():
        removed = [{"slug": v.slug, "note": v.note, "intake": v.intake, "expect": v.expect,
                    "checkins": v.checkins}
                   for v in db.session.scalars(db.select(Vignette)).all() if answers_saddle(v)]
        assert removed, "no vignette answers saddle numbness: the premise changed"
        db.session.execute(db.delete(Vignette).where(
            Vignette.slug.in_([v["slug"] for v in removed])))
        db.session.commit()
    yield removed
    with live_server.app.app_context():
        for v in removed:
            db.session.add(Vignette(**v))
        db.session.commit()


def level_for_saddle_numbness(page, live_server) -> str:
    response = page.request.post(live_server.path("/api/v1/triage"), data=SADDLE_ENTRY)
    return response.json()["triage_level"]


def test_a_downgrade_needs_a_safety_officer_and_restore_undoes_it(saddle_unguarded,
                                                                   panel,  # noqa: F811
                                                                   officer, live_server,
                                                                   artifacts):
    page = panel
    assert level_for_saddle_numbness(page, live_server) == "emergency"
    menu(page, "Go live", "Version history")
    before = int(re.search(r"Version (\d+)", page.locator("table.model-list tbody tr")
                           .first.inner_text()).group(1))

    menu(page, "Edit the draft", "Rules")
    page.locator("tr", has_text="ces_saddle_numbness").get_by_title("Edit Record").click()
    page.get_by_label("Enabled").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Record was successfully saved.")).to_be_visible()

    menu(page, "Go live", "Review and publish")
    page.get_by_label("What changed, and why").fill("Saddle numbness handled by triage nurse")
    page.get_by_role("button", name="Publish the draft").click()
    expect(page.get_by_text("Not published: the draft failed the safety checks")).to_be_visible()
    group = page.locator(".probe-group", has_text=f"Because rule “{SADDLE}” switched off")
    row = group.locator("tr.downgrade", has_text=SADDLE_ALONE).first
    expect(row).to_contain_text("go to A&E now")
    expect(row).to_contain_text("look after your back at home")
    expect(page.get_by_text("Needs a clinical safety officer's approval")).to_be_visible()
    shot(page, artifacts, "20-downgrade-refused")

    officer.goto(live_server.path("/admin/publish/"))
    officer.get_by_role("link", name="Review the draft as clinical safety officer").click()
    item = officer.locator(".signoff-item", has_text=SADDLE)
    expect(item.locator("tr", has_text=SADDLE_ALONE).first).to_be_visible()
    item.get_by_label("Why is this acceptable?").fill(
        "Deliberate for this test: restored straight after.")
    shot(officer, artifacts, "21-safety-officer-approves")
    officer.get_by_role("button", name="Approve the draft").click()
    expect(officer.get_by_text("Approved the draft.")).to_be_visible()

    menu(page, "Go live", "Review and publish")
    page.get_by_label("What changed, and why").fill("Saddle numbness handled by triage nurse")
    page.get_by_role("button", name="Publish the draft").click()
    expect(page.get_by_role("heading", name="Confirm: publish the draft?")).to_be_visible()
    expect(page.locator(".approval-given")).to_contain_text(OFFICER)
    expect(page.locator(".patient-changes tr", has_text=SADDLE_ALONE).first).to_contain_text(
        "look after your back at home")
    shot(page, artifacts, "22-confirm-publish")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text(f"Published version {before + 1}")).to_be_visible()
    assert level_for_saddle_numbness(page, live_server) == "self_care"

    page.get_by_role("navigation").get_by_role("link", name="Audit log").click()
    log = page.locator("table.model-list tbody")
    expect(log.locator("tr", has_text="approve").first).to_contain_text(OFFICER)
    expect(log.locator("tr", has_text="publish refused").first).to_contain_text(SADDLE_ALONE)
    shot(page, artifacts, "23-audit")

    menu(page, "Go live", "Version history")
    page.get_by_role("link", name=f"Version {before}", exact=True).click()
    page.get_by_role("button", name=f"Restore version {before}").click()
    expect(page.get_by_role("heading", name=f"Confirm: publish version {before} again?")
           ).to_be_visible()
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text(f"Version {before} is live again")).to_be_visible()
    shot(page, artifacts, "24-restored")
    assert level_for_saddle_numbness(page, live_server) == "emergency"
