"""The patient's pages in real headless Chromium: filled in as a patient would, on a phone.

Screenshots go to test-artifacts/ for a person to look at; they are not compared.
"""

from __future__ import annotations

import re

import pytest

from rules.defaults import load_default_knowledge_base
from service.patient.form_steps import steps
from service.patient.web_form import flat_questions, form_answers, scale
from service.triage.vignettes import expectation_problems
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


CONTINUE = "Continue"


def on_check_page(page) -> bool:
    return page.get_by_role("heading", name="Check your answers", level=1).count() == 1


def through_steps(page, answers: dict[str, str], fill_page) -> None:
    """Answer each page of questions with `fill_page` and press Continue, up to the page
    that checks the answers. A page shown again (a follow-up, a problem) is answered again."""
    for _ in range(12):
        if on_check_page(page):
            return
        fill_page(page, answers)
        with page.expect_navigation():
            page.get_by_role("button", name=CONTINUE).click()
    pytest.fail(f"never reached the check page; stuck on {page.url}")


def asked_here(page, name: str):
    """The enabled controls for `name` on this page (none when asked on another page)."""
    return page.locator(f'[name="{name}"]:not([disabled])')


def _answer_page_as_patient(page, answers: dict[str, str]) -> None:
    for name, question in QUESTIONS.items():
        if name not in answers or not asked_here(page, name).count():
            continue
        value = answers[name]
        if question["type"] == "integer" and not scale(question):
            page.get_by_label(question["label"]).fill(value)
            continue
        labels = {c["value"]: c["label"] for c in question.get("choices", [])}
        labels.update({"yes": "Yes", "no": "No"})
        group = page.get_by_role("group", name=question["label"])
        if scale(question):
            group.locator(f'input[type=radio][value="{value}"]').check()
        else:
            group.get_by_role("radio", name=labels[value], exact=True).check()


def answer_as_patient(page, answers: dict[str, str]) -> None:
    """Answer by what the patient sees: each question's label, then the answer's label,
    page by page, up to the page that checks the answers."""
    through_steps(page, answers, _answer_page_as_patient)


def _fill_page_by_name(page, answers: dict[str, str]) -> None:
    for name in QUESTIONS:  # in order, so a follow-up's question is answered first
        if name not in answers or not asked_here(page, name).count():
            continue
        value = answers[name]
        radio = page.locator(f'input[type=radio][name="{name}"][value="{value}"]')
        if radio.count():
            radio.check()
        else:
            page.locator(f'[name="{name}"]').fill(value)


def fill_by_name(page, answers: dict[str, str]) -> None:
    """Quicker: set each control by its field name, page by page, up to the check page."""
    through_steps(page, answers, _fill_page_by_name)


def submit(page, how=None):
    """Send the answers from the check page; returns the HTTP response that comes back."""
    with page.expect_navigation() as navigation:
        (how or (lambda: page.get_by_role("button", name=SUBMIT).click()))()
    return navigation.value


def press_continue(page):
    """Send one page of questions; returns the HTTP response of the page that comes back."""
    return submit(page, lambda: page.get_by_role("button", name=CONTINUE).click())


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
    page.locator(".reasons-box summary").click()  # the reasons are folded under the action
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
    assert "piriformis_stretch" in slugs and "walking" not in slugs
    # Walking is with its plan, in one place.
    assert page.locator("section.walking[data-exercise=walking]").count() == 1
    for i in range(cards.count()):
        card = cards.nth(i)
        drawings = card.locator("svg.illustration")  # the start and the end position
        assert drawings.count() == 2
        assert drawings.first.is_visible() and drawings.last.is_visible()
        assert card.locator("ol.steps li").count() >= 3
        assert card.locator(".dose dt").count() >= 1
    # The stop signs are pointed to before anything else, and follow the routine.
    today = page.locator("ol.today")
    assert today.locator("a").last.get_attribute("href") == "#advice-stop_signs"
    assert today.bounding_box()["y"] < cards.first.bounding_box()["y"]
    stop_box = page.locator("[data-advice=stop_signs]").bounding_box()
    assert stop_box["y"] > page.locator("section.walking").bounding_box()["y"]
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
    _answer_page_as_patient(page, answers)  # the first page, without the age
    response = press_continue(page)

    assert response.status == 422
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # read out first
    links = summary.get_by_role("link")
    assert links.all_inner_texts() == [QUESTIONS["age"]["label"]]
    assert page.title().startswith("Error:")
    # The error is also next to its question, and the other answer is still there.
    assert page.locator("#q-age-error").is_visible()
    assert page.locator(f"#q-sex-{answers['sex']}").is_checked()
    page.screenshot(path=artifacts / "form-errors-phone.png")
    links.first.click()
    assert page.evaluate("document.activeElement.id") == "q-age"
    page.keyboard.type("29")
    assert press_continue(page).status == 200  # on to the next page

    # The safety page with one question left unanswered: shown again, answers kept.
    _answer_page_as_patient(page, answers)
    assert press_continue(page).status == 200
    _answer_page_as_patient(page, answers)
    assert press_continue(page).status == 422
    links = page.locator(".error-summary").get_by_role("link")
    assert links.all_inner_texts() == [QUESTIONS["saddle_numbness"]["label"]]
    assert page.locator("#q-fever-no").is_checked()
    assert not page.locator("input[name=saddle_numbness]:checked").count()
    links.first.click()
    assert page.evaluate("document.activeElement.id") == "q-saddle_numbness-yes"
    page.locator("#q-saddle_numbness-no").check()
    answer_as_patient(page, answers)
    assert submit(page).status == 200
    assert shown_level(page) == "self_care"


def test_everything_works_without_javascript(browser, live_server, artifacts):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url)
        assert press_continue(page).status == 422  # errors are the server's, not the script's
        assert page.locator(".error-summary").is_visible()
        page.get_by_role("link", name=QUESTIONS["age"]["label"]).click()
        assert page.url.endswith("#q-age")
        # A follow-up question appears only after the answer that calls for it is sent.
        answers = answers_for("hamstrings") | {"cancer_history": "yes",
                                               "cancer_years_ago": "12"}
        fill_by_name(page, answers)
        page.get_by_role("link", name="Change your answers: Important safety questions").click()
        assert page.locator("[name=cancer_years_ago]").input_value() == "12"
        page.screenshot(path=artifacts / "step-follow-up-no-javascript.png")
        page.locator("#q-cancer_history-no").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save and check your answers").click()
        assert on_check_page(page) and "years ago" not in page.locator("main").inner_text()
        assert submit(page).status == 200
        assert shown_level(page) == "self_care"
        assert page.locator("article.exercise").count() >= 3
        page.screenshot(path=artifacts / "result-no-javascript.png")
    finally:
        context.close()


def test_a_patient_can_answer_with_the_keyboard_alone(live_server, page, artifacts):
    """Tab between questions, Space or arrow keys to choose, Enter to go on: no mouse."""
    page.goto(live_server.url)
    answers = answers_for("flare-day-one")
    choice_index = {name: [c["value"] for c in q.get("choices", [])]
                    or [str(n) for n in (scale(q) or [])] or ["yes", "no"]
                    for name, q in QUESTIONS.items()}
    answered: set[str] = set()
    for _ in range(400):
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
        if focused["tag"] == "BUTTON" and focused["text"] == CONTINUE:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            continue
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
                page.keyboard.press("ArrowRight" if scale(QUESTIONS[name]) else "ArrowDown")
        answered.add(name)
    else:
        pytest.fail("never reached the send button by tabbing")
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
        press_continue(page)  # nothing answered: the first page's every error
        assert no_sideways_scroll(page)
        page.screenshot(path=artifacts / "form-errors-320.png")
        for step in steps():
            page.goto(f"{live_server.url}/questions/{step.id}")
            assert no_sideways_scroll(page), step.id
        fill_by_name(page, answers_for("remote-cancer"))
        assert no_sideways_scroll(page)  # the check page
        page.screenshot(path=artifacts / "check-320.png", full_page=True)
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
    # A referral and the fullest routine (remote-cancer has no routine under revision 2).
    fill_by_name(page, answers_for("chronic-medium-risk"))
    submit(page)
    page.get_by_role("link", name="Handout to print or keep").click()
    page.wait_for_url("**/handout")
    page.emulate_media(media="print")
    assert shown_level(page) == "consultation"
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
    pdf = page.pdf(path=artifacts / "handout-chronic-medium-risk.pdf", format="A4")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    # A handout, not a booklet: the fullest case takes seven, one of them the diary.
    assert 1 <= pages <= 7
    page.screenshot(path=artifacts / "handout-chronic-medium-risk.png", full_page=True)


def pages_to_check(page, live_server):
    """Yield (name, page) for each kind of patient page, loaded and ready."""
    page.goto(live_server.url)
    yield "form", page
    press_continue(page)
    yield "form with errors", page
    for step in steps():
        page.goto(f"{live_server.url}/questions/{step.id}")
        yield f"step {step.id}", page
    page.goto(live_server.url)
    fill_by_name(page, answers_for("remote-cancer"))
    yield "check your answers", page
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
    press_continue(page)
    fill_by_name(page, answers_for("piriformis"))
    submit(page)
    page.get_by_role("link", name="Handout to print or keep").click()
    page.wait_for_url("**/handout")
    page.wait_for_load_state("load")  # deferred scripts have run by now
    assert page.locator("[data-print]").is_visible()  # the script ran: it shows the button
    assert complaints == []
