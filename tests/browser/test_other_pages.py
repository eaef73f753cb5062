"""The pages around a result, at 375 px and 1280 px: axe-core, and nothing too wide."""

from __future__ import annotations

import pytest

from tests.browser import axe
from tests.browser.test_patient_pages import answers_for, fill_by_name, submit

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize("viewport", [{"width": 375, "height": 812},
                                             {"width": 1280, "height": 900}],
                                ids=["375px", "1280px"])


def pages_around_a_result(page, live_server):
    """Yield (name, page) for the trust pages and the pages hanging off a result."""
    for path in ("/about", "/clinical-safety", "/privacy"):
        page.goto(live_server.url + path)
        yield path, page
    page.goto(live_server.url)
    fill_by_name(page, answers_for("chronic-medium-risk"))  # a referral and a routine
    submit(page)
    address = page.url
    yield "result", page
    for view in ("handout", "doctor"):
        page.goto(f"{address}/{view}")
        yield view, page
    page.goto(address[:-4] + "abcd")
    yield "no longer available", page


@SIZES
def test_no_serious_accessibility_problems_around_a_result(live_server, page, viewport,
                                                           artifacts):
    page.set_viewport_size(viewport)
    problems = {}
    for name, loaded in pages_around_a_result(page, live_server):
        assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"], name
        problems[name] = axe.blocking(loaded)
        slug = name.strip("/").replace(" ", "-")
        loaded.screenshot(path=artifacts / f"page-{slug}-{viewport['width']}.png")
    assert problems == {name: [] for name in problems}
