"""The result's own address in Chromium: reload keeps it, Back gives the form."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_patient_pages import answers_for, fill_by_name, submit

pytestmark = pytest.mark.browser

ADDRESS = re.compile(r"/result/ST-[0-9A-Z]{4}-[0-9A-Z]{4}/[A-Za-z0-9_-]{32,}$")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def reference_on(page) -> str:
    return page.locator(".doctor-summary .reference-code").inner_text()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_reload_shows_the_same_result_and_back_gives_the_form(live_server, page, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server.url)
    fill_by_name(page, answers_for("ces-saddle-bladder"))
    assert submit(page).status == 200
    assert ADDRESS.search(page.url), page.url
    address, reference = page.url, reference_on(page)
    heading = page.get_by_role("heading", level=1).inner_text()

    response = page.reload()
    assert response.status == 200 and response.request.method == "GET"
    assert page.url == address and reference_on(page) == reference
    assert page.get_by_role("heading", level=1).inner_text() == heading

    page.go_back()
    assert page.url.rstrip("/") == live_server.url
    assert page.locator("form.intake-form").is_visible()
    page.go_forward()
    assert page.url == address and reference_on(page) == reference


def test_a_mistyped_address_shows_no_longer_available(live_server, page):
    page.goto(live_server.url)
    fill_by_name(page, answers_for("piriformis"))
    submit(page)
    response = page.goto(page.url[:-3] + "xyz")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == (
        "This result is no longer available")
