"""A three-week follow-up course in Chromium, on a 375 px phone, without JavaScript.

The check-in form is answered as a patient would: each question found by its label,
each answer by its label. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from service.followup.checkin import safety_names
from service.triage.questionnaire import questionnaire
from tests.browser import axe
from tests.browser.test_patient_pages import fill_by_name, submit
from tests.service.followup_helpers import START

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}
LABELS = {q["id"]: q["label"] for q in questionnaire()["questions"]}


def start_answers() -> dict[str, str]:
    from service.patient.web_form import form_answers

    return form_answers(START)


def radio(page, question: str, answer: str) -> None:
    group = page.get_by_role("group", name=question)
    group.get_by_role("radio", name=answer, exact=True).check()


def check_in(page, pain: int, minutes: int, days: int = 5, saddle: bool = False):
    """Answer this week's check-in by the labels on the page, and send it."""
    radio(page, "How bad is your back or leg pain now?", str(pain))
    page.get_by_label("On most days this week, how many minutes did you walk?").fill(
        str(minutes))
    radio(page, "On how many days this week did you do your exercises?", str(days))
    radio(page, "Did you skip any exercises because of pain?", "No")
    radio(page, "Did any exercise make the pain spread further down your leg?", "No")
    radio(page, LABELS["leg_pain"], "Yes, into the buttock or thigh, not below the knee")
    radio(page, LABELS["leg_weakness"], "No")
    for name in safety_names():
        if name in ("leg_weakness", "cancer_years_ago"):
            continue
        radio(page, LABELS[name], "Yes" if saddle and name == "saddle_numbness" else "No")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send my check-in").click()
    return navigation.value


def walking_target(page) -> int:
    text = page.locator(".walking-target").inner_text()
    return int(re.search(r"(\d+) minutes a day", text).group(1))


def fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= 375


@pytest.fixture(autouse=True)
def weeks_pass_at_once(live_server):
    """Each check-in here stands for a week gone by (the service waits 6 days by default)."""
    live_server.app.config["CHECKIN_MIN_DAYS"] = 0
    yield
    live_server.app.config.pop("CHECKIN_MIN_DAYS", None)


def test_a_three_week_course_on_a_phone_without_javascript(browser, live_server, artifacts):
    context = browser.new_context(viewport=PHONE_375, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url)
        fill_by_name(page, start_answers())
        assert submit(page).status == 200
        page.get_by_role("link", name="Weekly check-in and your progress").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Your progress"
        assert walking_target(page) == 10
        for week, (pain, minutes, target) in enumerate(
                [(5, 10, 15), (4, 15, 20), (3, 20, 25)], start=1):
            page.get_by_role("link", name=f"Check in for week {week}").click()
            assert fits(page)
            response = check_in(page, pain, minutes)
            assert response.status == 200 and page.url.endswith("/progress")
            assert walking_target(page) == target
            assert page.locator("main").get_attribute("data-triage-level") == "self_care"
            assert page.locator("svg.chart circle.point--pain").count() == week + 1
            assert page.locator(".progress-table tbody tr").count() == week + 1
            assert fits(page)
        assert page.locator(".next-date").inner_text()
        page.screenshot(path=artifacts / "followup-progress-375.png", full_page=True)
    finally:
        context.close()


def test_numbness_at_week_3_sends_the_person_to_a_and_e(browser, live_server, artifacts):
    context = browser.new_context(viewport=PHONE_375, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url)
        fill_by_name(page, start_answers())
        submit(page)
        page.get_by_role("link", name="Weekly check-in and your progress").click()
        for week, pain in ((1, 5), (2, 4)):
            page.get_by_role("link", name=f"Check in for week {week}").click()
            check_in(page, pain, 10 + 5 * (week - 1))
        page.get_by_role("link", name="Check in for week 3").click()
        check_in(page, 4, 20, saddle=True)
        assert page.locator("main").get_attribute("data-triage-level") == "emergency"
        assert "Go to an emergency department now" in page.locator(".referral").inner_text()
        assert page.get_by_role("link", name=re.compile("Check in for week")).count() == 0
        page.screenshot(path=artifacts / "followup-emergency-375.png", full_page=True)
    finally:
        context.close()


def test_the_follow_up_pages_have_no_serious_accessibility_problems(live_server, page):
    page.goto(live_server.url)
    fill_by_name(page, start_answers())
    submit(page)
    page.get_by_role("link", name="Weekly check-in and your progress").click()
    problems = {"progress": axe.blocking(page)}
    page.get_by_role("link", name="Check in for week 1").click()
    problems["check-in"] = axe.blocking(page)
    page.get_by_role("button", name="Send my check-in").click()  # nothing answered
    page.wait_for_selector(".error-summary")
    problems["check-in with errors"] = axe.blocking(page)
    assert problems == {"progress": [], "check-in": [], "check-in with errors": []}
