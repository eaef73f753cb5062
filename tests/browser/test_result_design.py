"""Results built around one action, at 375 px and 1280 px, in Chromium."""

from __future__ import annotations

import pytest

from service.patient.result_view import FIND_AE, FIND_URGENT_CARE
from tests.browser import axe
from tests.browser.test_patient_pages import answers_for, fill_by_name, submit

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 375, "height": 667}  # iPhone SE: the least that must fit
DESKTOP = {"width": 1280, "height": 900}
SIZES = pytest.mark.parametrize("viewport", [SMALL_PHONE, DESKTOP], ids=["375px", "1280px"])


def result_for(page, live_server, case: str, answers: dict | None = None):
    page.goto(live_server.url)
    fill_by_name(page, answers or answers_for(case))
    assert submit(page).status == 200
    return page


def above_the_fold(page, locator) -> bool:
    """Wholly on the first screen, without scrolling."""
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= (
        page.viewport_size["height"])


@SIZES
def test_someone_sent_to_ae_sees_what_to_do_without_scrolling(live_server, page, viewport,
                                                              artifacts):
    page.set_viewport_size(viewport)
    result_for(page, live_server, "ces-saddle-bladder")
    assert page.evaluate("window.scrollY") == 0
    action = page.locator(".action")
    assert above_the_fold(page, page.get_by_role("heading", level=1))
    assert above_the_fold(page, action.locator(".time-frame"))
    find = action.get_by_role("link", name="Find your nearest A&E")
    call = action.get_by_role("link", name="Call 999 if you cannot get there safely")
    assert find.get_attribute("href") == FIND_AE
    assert call.get_attribute("href") == "tel:999"
    assert above_the_fold(page, find) and above_the_fold(page, call)
    page.screenshot(path=artifacts / f"result-emergency-{viewport['width']}.png")
    # The reasons are folded away under the action, and open on request.
    reasons = page.locator(".reasons-box")
    assert not reasons.locator(".reasons").is_visible()
    reasons.locator("summary").click()
    assert "numbness or tingling around your genitals" in reasons.locator(".reasons").inner_text()
    # Then the summary for the doctor; and never exercises or encouragement to exercise.
    summary = page.locator(".doctor-summary")
    assert summary.is_visible()
    assert summary.bounding_box()["y"] > action.bounding_box()["y"]
    assert page.locator(".exercise, .routine").count() == 0
    assert axe.blocking(page) == []


@SIZES
def test_see_a_doctor_today_offers_111_and_urgent_care_as_links(live_server, page, viewport):
    page.set_viewport_size(viewport)
    result_for(page, live_server, "progressive-foot-drop")
    action = page.locator(".action")
    assert page.get_by_role("heading", level=1).inner_text() == "See a doctor today"
    call = action.get_by_role("link", name="Call 111 if your GP surgery is closed")
    find = action.get_by_role("link", name="Find urgent care near you")
    assert call.get_attribute("href") == "tel:111"
    assert find.get_attribute("href") == FIND_URGENT_CARE
    assert above_the_fold(page, call) and above_the_fold(page, find)
    assert axe.blocking(page) == []


@SIZES
def test_self_care_starts_with_three_things_for_today(live_server, page, viewport, artifacts):
    page.set_viewport_size(viewport)
    result_for(page, live_server, "piriformis")
    today = page.locator("ol.today li")
    assert page.get_by_role("heading", name="Today: these 3 things").is_visible()
    assert today.count() == 3
    assert above_the_fold(page, today.first)
    page.screenshot(path=artifacts / f"result-self-care-{viewport['width']}.png")
    # Each of the three links to the part of the page that says how.
    for target in ("#exercises-title", "#walking-title", "#advice-stop_signs"):
        assert page.locator(f"ol.today a[href='{target}']").count() == 1
        assert page.locator(target).count() == 1
    # The walking plan and how to walk are in one place, not a card among the exercises.
    walking = page.locator("section.walking")
    assert walking.get_attribute("data-exercise") == "walking"
    assert page.locator("article.exercise[data-exercise=walking]").count() == 0
    walking.locator("summary").click()
    assert walking.locator("ol.steps li").count() >= 3
    # After the routine: the stop signs, then when to get help.
    stop = page.locator("[data-advice=stop_signs]").bounding_box()["y"]
    assert walking.bounding_box()["y"] < stop < page.locator(".seek-help").bounding_box()["y"]
    assert axe.blocking(page) == []
    page.screenshot(path=artifacts / f"result-self-care-{viewport['width']}-full.png",
                    full_page=True)
