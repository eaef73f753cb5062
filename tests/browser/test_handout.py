"""The printed handout, read back from the PDF Chromium makes of it."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.browser.test_patient_pages import answers_for, fill_by_name, submit

pytestmark = pytest.mark.browser

MM = 96 / 25.4  # CSS pixels in a millimetre


def squeezed(text: str) -> str:
    """Text without spaces or line breaks, which PDF extraction does not keep reliably."""
    return re.sub(r"\s+", "", text)


def handout_pdf(page, live_server, case: str, artifacts) -> tuple[list[str], str]:
    """(the text of each PDF page, the reference) of the handout for a vignette."""
    page.goto(live_server.url)
    fill_by_name(page, answers_for(case))
    submit(page)
    reference = page.locator(".keep .reference-code").inner_text()
    page.goto(page.url + "/handout")
    pdf = page.pdf(path=artifacts / f"handout-{case}.pdf", format="A4")
    pages = [squeezed(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    return pages, reference


# A referral AND the fullest routine (every exercise, the pain relief, the stop signs):
# its vignette expects level consultation with a routine. Under revision 2 remote-cancer
# (past cancer, pain below the knee) is a same-day referral with no routine to print.
REFERRAL_AND_ROUTINE = "chronic-medium-risk"


def page_of(pages: list[str], text: str) -> int:
    found = [i for i, p in enumerate(pages) if squeezed(text) in p]
    assert found, f"{text!r} is on no page"
    return found[0]


@pytest.mark.parametrize("case", [REFERRAL_AND_ROUTINE, "piriformis"])
def test_no_exercise_block_splits_across_pages(live_server, page, case, artifacts):
    pages, _reference = handout_pdf(page, live_server, case, artifacts)
    page.emulate_media(media="print")
    blocks = page.locator("article.exercise")
    assert blocks.count() >= 3
    for i in range(blocks.count()):
        block = blocks.nth(i)
        assert block.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
        first = block.locator("h3").inner_text()
        last = block.locator("li").last.inner_text()  # its last step or caution
        assert page_of(pages, first) == page_of(pages, last[-40:]), first
        # Start and end drawings, each at a size that reads from the floor.
        figures = block.locator(".exercise-figure svg")
        assert figures.count() == 2, first
        for n in range(2):
            assert figures.nth(n).bounding_box()["width"] >= 48 * MM, first  # was 26 mm
    # A handout, not a booklet: two exercises to a page, then the walking plan, the
    # advice, and the diary on a page of its own (7 pages in all for a full routine).
    assert 2 <= len(pages) <= 7


def test_page_one_names_the_service_date_and_reference(live_server, page, artifacts):
    pages, reference = handout_pdf(page, live_server, "piriformis", artifacts)
    first = pages[0]
    assert squeezed("Back pain and sciatica check") in first
    assert reference in first
    assert re.search(r"Date:?\d{1,2}[A-Z][a-z]+20\d\dat\d\d:\d\dUTC", first)


def test_with_a_referral_the_doctor_summary_comes_first(live_server, page, artifacts):
    pages, reference = handout_pdf(page, live_server, REFERRAL_AND_ROUTINE, artifacts)
    text = "".join(pages)
    assert page.locator("article.exercise").count() >= 3  # a routine printed after it
    assert page_of(pages, "Summary for your doctor") == 0
    assert text.index("Summaryforyourdoctor") < text.index("Yourexercises")
    assert text.index("Summaryforyourdoctor") < text.index("Whattodo")


def test_the_handout_ends_with_a_seven_day_diary(live_server, page, artifacts):
    pages, _reference = handout_pdf(page, live_server, "piriformis", artifacts)
    diary = page_of(pages, "Your 7-day diary")
    assert diary == len(pages) - 2 or diary == len(pages) - 1  # its own page, near the end
    for day in range(1, 8):
        assert f"Day{day}" in pages[diary]
    assert "Walking:minutes" in pages[diary]
    rows = page.locator(".diary-table tbody tr")
    exercises = page.locator("article.exercise").count()
    assert rows.count() == exercises + 2  # each exercise, the walking, the pain
    assert page.locator(".diary-table tbody tr").first.locator(".tick-box").count() == 7
    page.emulate_media(media="print")
    assert page.locator(".diary").evaluate("e => getComputedStyle(e).breakBefore") == "page"


def test_exercises_done_on_each_side_say_left_and_right(live_server, page, artifacts):
    handout_pdf(page, live_server, "piriformis", artifacts)
    piriformis = page.locator("article.exercise[data-exercise=piriformis_stretch]")
    cue = piriformis.locator(".sides").inner_text().lower()
    assert "left" in cue and "right" in cue
