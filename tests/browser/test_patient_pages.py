"""The patient's pages in real headless Chromium: filled in as a patient would, on a phone.

Screenshots go to test-artifacts/ for a person to look at; they are not compared.
"""

from __future__ import annotations

import re

import pytest

from rules.defaults import load_default_knowledge_base
from service.vignettes import expectation_problems
from service.web_form import flat_questions, form_answers
from tests.browser import axe
from tests.browser.conftest import PHONE
from tests.browser.result_reader import read_outcome
from tests.conftest import PUBLIC_VIGNETTES

pytestmark = pytest.mark.browser

VIGNETTES = {v["id"]: v for v in PUBLIC_VIGNETTES}
QUESTIONS = dict(flat_questions())
SUBMIT = "See my result"
STOP_SIGNS = next(a.text for a in load_default_knowledge_base().advice if a.slug == "stop_signs")


def answers_for(vignette_id: str) -> dict[str, str]:
    return form_answers(VIGNETTES[vignette_id]["intake"])


def answer_as_patient(page, answers: dict[str, str]) -> None:
    """Answer by what the patient sees: each question's label, then the answer's label."""
    for name, question in QUESTIONS.items():
        if name not in answers:
            continue
        value = answers[name]
        if question["type"] == "integer":
            page.get_by_label(question["label"]).fill(value)
            continue
        labels = {c["value"]: c["label"] for c in question.get("choices", [])}
        labels.update({"yes": "Yes", "no": "No"})
        group = page.get_by_role("group", name=question["label"])
        group.get_by_role("radio", name=labels[value], exact=True).check()


def fill_by_name(page, answers: dict[str, str]) -> None:
    """Quicker: set each control by its field name."""
    for name, value in answers.items():
        radio = page.locator(f'input[type=radio][name="{name}"][value="{value}"]')
        if radio.count():
            radio.check()
        else:
            page.locator(f'[name="{name}"]').fill(value)


def submit(page, how=None):
    """Send the form; returns the HTTP response of the page that comes back."""
    with page.expect_navigation() as navigation:
        (how or (lambda: page.get_by_role("button", name=SUBMIT).click()))()
    return navigation.value


def shown_level(page) -> str:
    return page.locator("main").get_attribute("data-triage-level")


def test_a_red_flag_sends_the_patient_to_an_emergency_department(live_server, page, artifacts):
    page.goto(live_server.url)
    answers = answers_for("piriformis") | {"saddle_numbness": "yes"}
    answer_as_patient(page, answers)
    response = submit(page)

    assert response.status == 200
    assert shown_level(page) == "emergency"
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Go to an emergency department now"
    assert "How soon: Now" in page.locator(".time-frame").inner_text()
    assert "numbness or tingling around your genitals" in page.locator(".reasons").inner_text()
    summary = page.locator(".doctor-summary")
    assert re.search(r"ST-[0-9A-Z]{4}-[0-9A-Z]{4}", summary.inner_text())
    assert "back passage (anus), buttocks or inner thighs? Yes" in summary.inner_text()
    assert page.locator(".exercise").count() == 0  # nobody sent to A&E is given exercises
    assert "This is not a diagnosis" in page.locator("main").inner_text()
    page.screenshot(path=artifacts / "result-emergency-phone.png", full_page=True)


def test_a_patient_without_red_flags_gets_a_routine(live_server, page, artifacts):
    page.goto(live_server.url)
    answer_as_patient(page, answers_for("piriformis"))
    response = submit(page)

    assert response.status == 200
    assert shown_level(page) == "self_care"
    cards = page.locator("article.exercise")
    slugs = [cards.nth(i).get_attribute("data-exercise") for i in range(cards.count())]
    assert {"piriformis_stretch", "walking"} <= set(slugs)
    for i in range(cards.count()):
        card = cards.nth(i)
        assert card.locator("svg.illustration").is_visible()
        assert card.locator("ol.steps li").count() >= 3
        assert card.locator(".dose dt").count() >= 1
    # Stop signs come before anything else in the routine.
    first_advice = page.locator("[data-advice]").first.get_attribute("data-advice")
    assert first_advice == "stop_signs"
    stop_box = page.locator("[data-advice=stop_signs]").bounding_box()
    assert stop_box["y"] < cards.first.bounding_box()["y"]
    # Each "- " line of the stop signs is a list item (two lists: 999/A&E, urgent GP).
    lines = [line for line in STOP_SIGNS.splitlines() if line.startswith("- ")]
    assert page.locator("[data-advice=stop_signs] ul li").count() == len(lines) >= 10
    minutes = [int(m) for m in page.locator(".walking-table tr[data-minutes]").evaluate_all(
        "rows => rows.map(r => r.dataset.minutes)")]
    assert minutes == sorted(minutes) and minutes[-1] >= 45
    assert page.locator(".walking-chart rect.chart-bar").count() == len(minutes)
    page.screenshot(path=artifacts / "result-routine-phone.png", full_page=True)


def test_a_missing_answer_is_summarised_with_links_and_answers_are_kept(
        live_server, page, artifacts):
    page.goto(live_server.url)
    answers = answers_for("piriformis")
    del answers["age"], answers["saddle_numbness"]
    answer_as_patient(page, answers)
    response = submit(page)

    assert response.status == 422
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # read out first
    links = summary.get_by_role("link")
    assert links.all_inner_texts() == [QUESTIONS["age"]["label"],
                                       QUESTIONS["saddle_numbness"]["label"]]
    assert page.title().startswith("Error:")
    # Each error is also next to its question, and the other answers are still there.
    assert page.locator("#q-age-error").is_visible()
    assert page.locator("#q-saddle_numbness-error").is_visible()
    pain = page.get_by_label(QUESTIONS["pain_score"]["label"])
    assert pain.input_value() == answers["pain_score"]
    assert page.locator("#q-fever-no").is_checked()
    assert not page.locator("input[name=saddle_numbness]:checked").count()
    page.screenshot(path=artifacts / "form-errors-phone.png")

    links.nth(1).click()
    assert page.evaluate("document.activeElement.id") == "q-saddle_numbness-yes"
    links.first.click()
    assert page.evaluate("document.activeElement.id") == "q-age"
    page.keyboard.type("29")
    page.locator("#q-saddle_numbness-no").check()
    assert submit(page).status == 200
    assert shown_level(page) == "self_care"


def test_everything_works_without_javascript(browser, live_server, artifacts):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url)
        assert submit(page).status == 422  # errors are the server's, not the script's
        assert page.locator(".error-summary").is_visible()
        page.get_by_role("link", name=QUESTIONS["age"]["label"]).click()
        assert page.url.endswith("#q-age")
        fill_by_name(page, answers_for("hamstrings"))
        assert submit(page).status == 200
        assert shown_level(page) == "self_care"
        assert page.locator("article.exercise").count() >= 3
        # A print button that needs a script to work is not offered without one.
        assert not page.locator("[data-print]").is_visible()
        page.screenshot(path=artifacts / "result-no-javascript.png")
    finally:
        context.close()


def test_a_patient_can_answer_with_the_keyboard_alone(live_server, page, artifacts):
    """Tab between questions, Space or arrow keys to choose, Enter to send: no mouse."""
    page.goto(live_server.url)
    answers = answers_for("flare-day-one")
    choice_index = {name: [c["value"] for c in q.get("choices", [])] or ["yes", "no"]
                    for name, q in QUESTIONS.items()}
    answered: set[str] = set()
    for _ in range(300):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName, type: el.type || "", name: el.name || "",
                    text: el.innerText || "", checked: !!el.checked,
                    outlined: style.outlineStyle !== "none" || style.boxShadow !== "none"};
        }""")
        assert focused["outlined"], f"no visible focus on {focused}"
        name = focused["name"]
        if focused["tag"] == "BUTTON" and focused["text"] == SUBMIT:
            break
        if name not in answers or name in answered:
            continue
        if focused["type"] == "text":
            page.keyboard.type(answers[name])
        elif focused["type"] == "radio":
            # Focus lands on the group's first radio; arrows move and select.
            steps = choice_index[name].index(answers[name])
            if steps == 0:
                page.keyboard.press("Space")
            for _ in range(steps):
                page.keyboard.press("ArrowDown")
        answered.add(name)
    else:
        pytest.fail("never reached the submit button by tabbing")
    assert answered == set(answers)
    response = submit(page, lambda: page.keyboard.press("Enter"))
    assert response.status == 200
    assert shown_level(page) == "self_care"
    assert {"flare_rest", "stop_signs"} <= set(
        page.locator("[data-advice]").evaluate_all("els => els.map(e => e.dataset.advice)"))
    page.screenshot(path=artifacts / "result-keyboard-flare.png")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= 320


def test_everything_fits_a_320_pixel_screen(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(live_server.url)
        assert no_sideways_scroll(page)
        page.screenshot(path=artifacts / "form-320.png", full_page=True)
        submit(page)  # nothing answered: the longest error summary there is
        assert no_sideways_scroll(page)
        page.screenshot(path=artifacts / "form-errors-320.png")
        for case in ("chronic-medium-risk", "ces-saddle-bladder"):
            page.goto(live_server.url)
            fill_by_name(page, answers_for(case))
            submit(page)
            assert no_sideways_scroll(page), case
            page.screenshot(path=artifacts / f"result-{case}-320.png", full_page=True)
    finally:
        context.close()


def test_the_result_prints_as_a_readable_handout(live_server, page, artifacts):
    page.goto(live_server.url)
    fill_by_name(page, answers_for("remote-cancer"))  # a referral and a full routine
    submit(page)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".actions").is_visible()
    assert page.locator(".doctor-summary").is_visible()
    assert page.locator("article.exercise").first.is_visible()
    assert page.locator(".walking-table").is_visible()
    # Printed for people who may read with difficulty: body text 12 pt (16 px), and no
    # visible text under 11 pt anywhere on the handout.
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('main *')]
        .filter(e => e.getClientRects().length && [...e.childNodes].some(
            n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
        .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 11 * 4 / 3, f"{smallest} px"  # 11 pt
    pdf = page.pdf(path=artifacts / "handout-remote-cancer.pdf", format="A4")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert 1 <= pages <= 6  # a handout, not a booklet: the fullest case takes five
    page.screenshot(path=artifacts / "handout-remote-cancer.png", full_page=True)


def pages_to_check(page, live_server):
    """Yield (name, page) for each kind of patient page, loaded and ready."""
    page.goto(live_server.url)
    yield "form", page
    submit(page)
    yield "form with errors", page
    for case in ("ces-saddle-bladder", "infection-ivdu-fever", "chronic-medium-risk",
                 "flare-day-one"):
        page.goto(live_server.url)
        fill_by_name(page, answers_for(case))
        submit(page)
        yield f"result {case}", page
    page.goto(f"{live_server.url}/no-such-page")  # the service's own 404 page
    yield "missing page", page


def test_no_serious_accessibility_problems(live_server, page):
    problems = {}
    for name, loaded in pages_to_check(page, live_server):
        found = axe.blocking(loaded)
        if found:
            problems[name] = found
    assert problems == {}


@pytest.mark.parametrize("case", ["ces-bilateral-weakness", "progressive-foot-drop",
                                  "fragility-fracture", "hamstrings", "severe-pain-no-flags"])
def test_vignettes_through_the_browser(live_server, page, case):
    """A representative few in the browser; all of them go through the test client."""
    page.goto(live_server.url)
    fill_by_name(page, answers_for(case))
    submit(page)
    shown = read_outcome(page.content())
    assert shown.triage_level in VIGNETTES[case]["expect"]["levels"]
    assert expectation_problems(VIGNETTES[case]["expect"], shown) == []


def test_the_pages_run_under_the_content_security_policy_without_complaint(live_server, page):
    """No console error (a CSP violation is one) on the form, the error form or a result."""
    complaints = []

    def heard(message):
        # The re-shown form's own 422 is logged as a failed load: that one is expected.
        if message.type == "error" and "status of 422" not in message.text:
            complaints.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", heard)
    page.on("pageerror", lambda error: complaints.append(str(error)))
    response = page.goto(live_server.url)
    assert "default-src" in (response.headers.get("content-security-policy") or "")
    submit(page)
    fill_by_name(page, answers_for("piriformis"))
    submit(page)
    assert page.locator("[data-print]").is_visible()  # the script ran: it shows the button
    assert complaints == []
