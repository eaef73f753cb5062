"""The clinician panel in real headless Chromium, as a clinician new to it would use it.

Sign in, change the hamstring stretch's hold from 30 to 45 seconds, try it, publish it,
and see it in a patient's result; then try to switch off the cauda equina rules and be
stopped with the reason. Screenshots go to test-artifacts/admin-*.png for a person to
look at.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from admin.models import User
from service.extensions import db
from service.patient.web_form import form_answers
from service.store.models import AuditEntry
from tests.conftest import PUBLIC_VIGNETTES

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "dr.khan@example.org", "a long browser password"
HAMSTRINGS = next(v["intake"] for v in PUBLIC_VIGNETTES if v["id"] == "hamstrings")
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def publisher_account(live_server):
    with live_server.app.app_context():
        if db.session.scalar(db.select(User.id).where(User.email == EMAIL)) is None:
            db.session.add(User(email=EMAIL, role="publisher",
                                password_hash=generate_password_hash(PASSWORD)))
            db.session.commit()


@pytest.fixture
def panel(page, live_server, publisher_account):
    """A desktop-sized page, signed in through the login form; fails on any console error
    (a CSP violation, a missing file such as a favicon, a script error). A page's own
    error status (a refused publish answers 409) is left to the tests to check."""
    violations: list[str] = []

    def console(message) -> None:
        own_status = (message.text.startswith("Failed to load resource")
                      and message.location.get("url") == page.url)
        if (message.type == "error" and not own_status) or "Content Security" in message.text:
            violations.append(page.url + " " + message.text[:80])

    page.on("console", console)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.path("/admin/"))
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Patients are getting version")).to_be_visible()
    yield page
    assert violations == [], "\n".join(violations)


def menu(page, category: str, item: str) -> None:
    """Go to a page through the navigation bar's menus, as a person would."""
    page.wait_for_load_state("load")  # the menus work once the page's scripts have run
    navigation = page.get_by_role("navigation")
    navigation.get_by_role("button", name=category).click()
    navigation.get_by_role("link", name=item, exact=True).click()


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"admin-{name}.png"), full_page=True)


def patient_hold(page, live_server, artifacts) -> str:
    """What the patient's result page says about the hamstring stretch's hold."""
    from tests.browser.test_patient_pages import fill_by_name, submit

    page.goto(live_server.url)
    fill_by_name(page, form_answers(HAMSTRINGS))  # page by page, to the check page
    submit(page)
    stretch = page.locator('[data-exercise="hamstring_stretch"]')
    stretch.screenshot(path=str(artifacts / "admin-06-patient-result.png"))
    return stretch.locator("dl.dose div", has_text="Hold").inner_text()


def test_change_try_publish_and_a_patient_sees_it(panel, live_server, artifacts):
    page = panel
    shot(page, artifacts, "01-home")

    menu(page, "Edit the draft", "Exercises")
    page.locator("tr", has_text="hamstring_stretch").get_by_title("Edit Record").click()
    hold = page.get_by_label("Hold (seconds)")
    expect(hold).to_have_value("30")
    hold.fill("45")
    shot(page, artifacts, "02-edit-exercise")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Record was successfully saved.")).to_be_visible()
    expect(page.locator("tr", has_text="hamstring_stretch")).to_contain_text("hold 45 s")

    menu(page, "Check the draft", "Try it")
    page.get_by_label("Start from a test vignette").select_option("hamstrings")
    page.get_by_role("button", name="Load answers").click()
    page.get_by_role("button", name="Try it against the draft").click()
    draft = page.locator(".outcome", has_text="The draft would say")
    live = page.locator(".outcome", has_text="Patients are told now")
    expect(draft.locator('[data-exercise="hamstring_stretch"] .hold')).to_have_text("45 s")
    expect(live.locator('[data-exercise="hamstring_stretch"] .hold')).to_have_text("30 s")
    shot(page, artifacts, "03-try-it")

    menu(page, "Go live", "Review and publish")
    change = page.locator("table.diff tr", has_text="hold_seconds")
    expect(change).to_contain_text("30")
    expect(change).to_contain_text("45")
    page.get_by_label("What changed, and why").fill("Hamstring hold 45 s for older adults")
    shot(page, artifacts, "04-review")
    page.get_by_role("button", name="Publish the draft").click()
    expect(page.get_by_role("heading", name="Confirm: publish the draft?")).to_be_visible()
    expect(page.locator(".content-changes")).to_contain_text("hold seconds 30 → 45")
    page.get_by_role("button", name="Publish now").click()
    published = time.monotonic()
    expect(page.get_by_text(re.compile(r"Published version \d+"))).to_be_visible()
    shot(page, artifacts, "05-published")

    response = page.request.post(live_server.path("/api/v1/triage"), data=HAMSTRINGS)
    assert response.json()["ruleset_version"] > 1
    stretch = next(e for e in response.json()["routine"]["exercises"]
                   if e["slug"] == "hamstring_stretch")
    assert stretch["hold_seconds"] == 45
    assert time.monotonic() - published < 1.0  # live within a second of the click
    assert patient_hold(page, live_server, artifacts).replace("\n", " ") == "Hold 45 seconds"


def test_switching_off_the_cauda_equina_rules_is_stopped(panel, live_server, artifacts):
    page = panel
    for slug in ("ces_saddle_numbness", "ces_bladder_bowel_change"):
        menu(page, "Edit the draft", "Rules")
        page.locator("tr", has_text=slug).get_by_title("Edit Record").click()
        expect(page.locator(".condition-preview")).to_contain_text("is yes")
        page.get_by_label("Enabled").uncheck()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("Record was successfully saved.")).to_be_visible()
    shot(page, artifacts, "07-rules-disabled")

    menu(page, "Go live", "Review and publish")
    expect(page.locator(".publish-blocked")).to_contain_text("Publishing would be refused now")
    page.get_by_label("What changed, and why").fill("Turn off the CES rules")
    page.get_by_role("button", name="Publish the draft").click()
    expect(page.get_by_text("Not published: the draft failed the safety checks")).to_be_visible()
    failing = page.locator('tr[data-vignette="ces-saddle-bladder"]')
    expect(failing).to_contain_text("expected “A&E now” or “Call 999”")
    shot(page, artifacts, "08-publish-blocked")
    # On a phone the tables of probes and vignettes scroll in their own boxes.
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    shot(page, artifacts, "08-publish-blocked-375")
    page.set_viewport_size(DESKTOP)

    # Put the draft back as it was, so other browser tests see the published rules.
    for slug in ("ces_saddle_numbness", "ces_bladder_bowel_change"):
        menu(page, "Edit the draft", "Rules")
        page.locator("tr", has_text=slug).get_by_title("Edit Record").click()
        page.get_by_label("Enabled").check()
        page.get_by_role("button", name="Save", exact=True).click()


def test_the_rule_editor_builds_conditions_from_the_vocabulary(panel, artifacts):
    page = panel
    menu(page, "Edit the draft", "Rules")
    page.get_by_role("link", name="Create").click()
    page.get_by_label("Name").fill("Older people with tight hamstrings")
    page.get_by_label("Short id").fill("older_tight_hamstrings")
    page.get_by_role("button", name="+ Condition").click()
    page.get_by_label("Question").select_option("age")
    page.get_by_label("Test", exact=True).select_option(">=")
    page.get_by_label("Value").fill("130")
    page.get_by_role("button", name="+ Condition").click()
    page.get_by_label("Question").nth(1).select_option("hamstring_tightness")
    expect(page.locator(".condition-preview")).to_have_text(
        "Fires when: age is at least 130 AND hamstring tightness is yes")
    page.get_by_label("When the conditions hold").select_option("add_advice")
    expect(page.get_by_label("Urgency")).to_be_hidden()
    page.get_by_label("Advice", exact=True).select_option("stay_active")
    page.get_by_label("Reason shown to the patient").fill("Keeping active helps.")
    # The browser already refuses 130 (the input's max comes from the vocabulary) ...
    assert page.get_by_label("Value").first.evaluate("input => input.validity.valid") is False
    # ... but the server is the authority: with the browser's checks bypassed, it refuses.
    page.locator("form.admin-form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("field 'age': value 130 must be at most 120").first).to_be_visible()
    expect(page.locator(".condition-preview")).to_contain_text("age is at least 130")
    shot(page, artifacts, "09-rule-refused")
    page.get_by_label("Value").first.fill("65")  # the editor rebuilt the tree it was sent
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Record was successfully created.")).to_be_visible()
    shot(page, artifacts, "10-rules-list")


def test_the_audit_log_is_filtered_by_who_changed_what(panel, live_server, artifacts):
    """flask-admin's filter menu uses inline script the CSP refuses: the panel's own bar
    must load, open and filter without one violation (the `panel` fixture checks)."""
    with live_server.app.app_context():
        for actor, entity, key in (("dr.filter@example.org", "exercise", "bird_dog"),
                                   ("dr.filter@example.org", "advice", "pacing"),
                                   ("someone.else@example.org", "exercise", "bridge")):
            db.session.add(AuditEntry(actor=actor, action="update", entity=entity,
                                      entity_key=key, before={}, after={}))
        db.session.commit()
    page = panel
    page.wait_for_load_state("load")
    page.get_by_role("navigation").get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile(r"/admin/auditentry/$"))
    page.wait_for_load_state("load")  # the filter menu works once its scripts have run
    add_filter = page.get_by_role("button", name="Add Filter")
    add_filter.click()
    page.get_by_role("button", name="Who", exact=True).click()
    page.locator("#filter_form input.filter-val").fill("dr.filter@")
    add_filter.click()
    page.get_by_role("button", name="What", exact=True).click()
    page.locator("#filter_form .select2-container").last.click()  # the value, "rule"
    page.locator(".select2-result-label", has_text="exercise").click()
    assert page.url.endswith("/admin/auditentry/")  # the menu links did not navigate
    shot(page, artifacts, "11-audit-filter")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"flt\d_who_contains=dr.filter"))
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("bird_dog")
    shot(page, artifacts, "12-audit-filtered")
    page.get_by_role("link", name="Reset Filters").click()
    expect(page.locator("table.model-list tbody tr", has_text="bridge")).to_have_count(1)


def test_the_tab_of_the_page_one_is_on_stays_quiet(panel):
    """flask-admin's active tab is a javascript: link, which the CSP refuses: clicking it
    must do nothing and report nothing (the `panel` fixture checks the console)."""
    page = panel
    menu(page, "Edit the draft", "Exercises")
    page.locator("tr", has_text="walking").get_by_title("Edit Record").click()
    editing = page.url
    page.locator("a.nav-link.active", has_text="Edit").click()
    page.wait_for_timeout(200)  # a refused javascript: URL is reported after the click
    assert page.url == editing


def test_the_exercise_editor_previews_the_drawing_it_offers(panel, artifacts):
    """Start and end position of the chosen drawing, swapped as another is chosen."""
    page = panel
    menu(page, "Edit the draft", "Exercises")
    page.locator("tr", has_text="hamstring_stretch").get_by_title("Edit Record").click()
    preview = page.locator("[data-drawing-preview]")
    shown = preview.locator("[data-preview-for]:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-preview-for", "hamstring_stretch")
    poses = shown.locator("svg.illustration")
    expect(poses).to_have_count(2)
    assert [poses.nth(i).get_attribute("data-pose") for i in range(2)] == ["start", "end"]
    assert poses.first.bounding_box()["width"] > 150  # large enough to judge
    # flask-admin's select2 hides the real select: choose through it, as a person would.
    page.evaluate("""() => { const s = document.getElementById('illustration');
        s.value = 'bird_dog'; s.dispatchEvent(new Event('change')); }""")
    expect(shown).to_have_attribute("data-preview-for", "bird_dog")
    expect(shown.locator('svg[data-drawing="bird_dog"]')).to_have_count(2)
    shot(page, artifacts, "13-drawing-preview")
