"""The questionnaire in steps, in Chromium at 375 px and 1280 px."""

from __future__ import annotations

import re

import pytest

from service.patient.form_steps import steps
from tests.browser import axe
from tests.browser.test_patient_pages import (
    answers_for,
    fill_by_name,
    on_check_page,
    press_continue,
    shown_level,
    submit,
)

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize("viewport", [{"width": 375, "height": 812},
                                             {"width": 1280, "height": 900}],
                                ids=["375px", "1280px"])


@SIZES
def test_every_step_fits_has_progress_and_no_serious_axe_problems(live_server, page, viewport,
                                                                  artifacts):
    page.set_viewport_size(viewport)
    problems = {}
    for number, step in enumerate(steps(), start=1):
        page.goto(f"{live_server.url}/questions/{step.id}")
        assert page.locator(".progress-text").inner_text() == f"Step {number} of 6"
        assert page.locator("[aria-current=step]").count() == 1
        assert page.get_by_role("heading", level=1).inner_text() == step.title
        assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
        problems[step.id] = axe.blocking(page)
        page.screenshot(path=artifacts / f"step-{step.id}-{viewport['width']}.png",
                        full_page=True)
    page.goto(live_server.url)
    fill_by_name(page, answers_for("remote-cancer"))
    assert on_check_page(page)
    problems["check"] = axe.blocking(page)
    page.screenshot(path=artifacts / f"step-check-{viewport['width']}.png", full_page=True)
    assert problems == {name: [] for name in problems}


@SIZES
def test_with_a_script_the_follow_up_appears_at_once(live_server, page, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/questions/safety")
    years = page.locator("[name=cancer_years_ago]")
    assert not years.is_visible() and years.is_disabled()
    page.locator("#q-cancer_history-yes").check()
    assert years.is_visible() and years.is_enabled()
    page.locator("#q-cancer_history-no").check()
    assert not years.is_visible() and years.is_disabled()


def test_the_pain_scale_is_eleven_radios_with_words_at_the_ends(live_server, page, artifacts):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/questions/your_pain")
    group = page.get_by_role("group", name="How bad has the pain been at its worst")
    radios = group.get_by_role("radio")
    assert radios.count() == 11
    assert group.get_by_role("radio", name=re.compile(r"^0\W+No pain$")).count() == 1
    assert group.get_by_role("radio", name=re.compile(
        r"^10\W+Worst pain you can imagine$")).count() == 1
    for i in range(11):  # every point a finger-sized target
        box = page.locator(f"label[for=q-pain_score-{i}]").bounding_box()
        assert box["width"] >= 40 and box["height"] >= 44
    box = page.locator("label[for=q-pain_score-7]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a tap
    assert page.locator("#q-pain_score-7").is_checked()
    page.screenshot(path=artifacts / "step-your-pain-375-viewport.png")


@SIZES
def test_reload_and_back_between_steps_keep_the_answers(live_server, page, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server.url)
    page.locator("[name=age]").fill("47")
    page.locator("#q-sex-male").check()
    assert press_continue(page).status == 200
    assert page.url.endswith("/questions/your_pain")
    page.reload()
    assert page.url.endswith("/questions/your_pain")
    page.go_back()
    assert page.locator("[name=age]").input_value() == "47"
    assert page.locator("#q-sex-male").is_checked()
    page.go_forward()
    page.get_by_role("button", name="Back").click()
    page.wait_for_url(f"{live_server.url}/questions/about_you")
    assert page.locator("[name=age]").input_value() == "47"


def test_the_check_page_lists_the_answers_and_changes_come_back_to_it(live_server, page):
    page.goto(live_server.url)
    fill_by_name(page, answers_for("piriformis"))
    main = page.locator("main")
    assert "How old are you?" in main.inner_text()
    page.get_by_role("link", name="Change your answers: About you").click()
    page.locator("[name=age]").fill("52")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and check your answers").click()
    assert on_check_page(page)
    assert page.locator("[data-answer-for=q-age] dd").inner_text() == "52"
    assert submit(page).status == 200
    assert shown_level(page) == "self_care"
