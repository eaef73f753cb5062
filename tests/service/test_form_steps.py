"""The questionnaire in steps, through the test client, submitting the rendered forms."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from service.extensions import db
from service.patient import form_steps
from service.patient.web_form import form_answers
from service.store import models
from service.triage.intake import SECTIONS
from tests.service.test_pages import VIGNETTES, routine_answers, stored


class Form(HTMLParser):
    """The intake form on a page: where it posts, and its controls as a browser sees them."""

    def __init__(self, html: str):
        super().__init__()
        self.action = ""
        self.controls: list[dict] = []
        self.buttons: list[dict] = []
        self._in_form = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "intake-form" in a.get("class", ""):
            self._in_form, self.action = True, a["action"]
        elif self._in_form and tag == "input":
            self.controls.append(a)
        elif self._in_form and tag == "button":
            self.buttons.append(a)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False

    def data(self, answers: dict[str, str], go: str = "next") -> dict:
        """What the browser sends: hidden fields, and the answers for enabled controls."""
        sent: dict = {"go": go}
        for c in self.controls:
            if "disabled" in c:
                continue  # a hidden follow-up: never sent
            name = c.get("name")
            if c.get("type") == "hidden":
                sent[name] = c["value"]
            elif c.get("type") == "text":  # a text box is sent even when left empty
                sent[name] = answers.get(name, c.get("value", ""))
            elif name in answers and c["value"] == answers[name]:
                sent[name] = answers[name]
        return sent

    def enabled(self, name: str) -> bool:
        return any(c.get("name") == name and "disabled" not in c for c in self.controls)


@pytest.fixture
def web(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def walk(web, answers: dict[str, str]):
    """Answer every page as shown, pressing Continue, up to the check page."""
    response = web.get("/")
    for _ in range(20):
        html = response.get_data(as_text=True)
        if "<h1>Check your answers</h1>" in html:
            return response
        form = Form(html)
        response = web.post(form.action, data=form.data(answers))
        if response.status_code == 303:
            response = web.get(response.headers["Location"])
        else:
            assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    pytest.fail("never reached the check page")


def send(web, check_page) -> str:
    """Press "See my result" on the check page; return the result address."""
    form = Form(check_page.get_data(as_text=True))
    response = web.post(form.action, data=form.data({}))
    assert response.status_code == 303
    return response.headers["Location"]


def test_a_patient_walks_the_steps_checks_and_gets_a_result(app, web):
    check = walk(web, routine_answers())
    html = check.get_data(as_text=True)
    assert "Step 6 of 6" in html
    for title in SECTIONS.values():
        assert title in html
    pain = VIGNETTES["piriformis"]["intake"]["pain_score"]
    assert f"{pain} out of 10" in html
    address = send(web, check)
    assert re.search(r"/result/ST-[0-9A-Z]{4}-[0-9A-Z]{4}/[A-Za-z0-9_-]{32,}$", address)
    assert 'data-triage-level="self_care"' in web.get(address).get_data(as_text=True)
    # Sent: the answers are gone from the browser; the form starts blank again.
    assert " checked" not in web.get("/questions/safety").get_data(as_text=True)
    assert stored(app) == 1


def test_each_step_shows_real_progress(web):
    pages = {s.id: web.get(f"/questions/{s.id}").get_data(as_text=True)
             for s in form_steps.steps()}
    for number, step in enumerate(form_steps.steps(), start=1):
        html = pages[step.id]
        assert f"Step {number} of 6" in html
        current = re.findall(r'<li class="progress-step progress-step--current"'
                             r' aria-current="step">\s*<span class="progress-title">([^<]+)', html)
        assert current == [step.title]
        assert html.count("progress-step--done") == number - 1


def test_a_step_with_an_answer_missing_is_shown_again_and_nothing_moves_on(web):
    form = Form(web.get("/questions/about_you").get_data(as_text=True))
    response = web.post(form.action, data=form.data({"sex": "male"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#q-age"' in html and 'id="q-age-error"' in html
    assert re.search(r'id="q-sex-male"[^>]*checked', html)  # the answer given is kept


def test_back_keeps_the_answers_without_judging_them(web):
    walk_to = Form(web.get("/questions/your_pain").get_data(as_text=True))
    response = web.post(walk_to.action, data=walk_to.data({"pain_score": "6"}, go="back"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/questions/about_you"
    again = web.get("/questions/your_pain").get_data(as_text=True)
    assert re.search(r'id="q-pain_score-6"[^>]*checked', again)


def test_how_long_ago_is_asked_only_of_someone_who_has_had_cancer(app, web):
    safety = Form(web.get("/questions/safety").get_data(as_text=True))
    assert not safety.enabled("cancer_years_ago")  # hidden and disabled at first
    answers = routine_answers()
    answers.pop("cancer_years_ago", None)
    check = walk(web, answers)  # cancer_history: no
    assert "how many years ago" not in check.get_data(as_text=True)
    send(web, check)
    with app.app_context():
        assert db.session.scalar(select(models.TriageRecord.intake))["cancer_years_ago"] is None


def test_without_a_script_the_follow_up_appears_after_a_yes_and_is_not_required(app, web):
    answers = routine_answers() | {"cancer_history": "yes"}
    answers.pop("cancer_years_ago", None)
    for step in ("about_you", "your_pain"):
        form = Form(web.get(f"/questions/{step}").get_data(as_text=True))
        assert web.post(form.action, data=form.data(answers)).status_code == 303
    form = Form(web.get("/questions/safety").get_data(as_text=True))
    again = web.post(form.action, data=form.data(answers))
    assert again.status_code == 200  # the same step, now with its follow-up
    html = again.get_data(as_text=True)
    assert "One more question" in html
    form = Form(html)
    assert form.enabled("cancer_years_ago")
    # Left blank, it does not hold the patient up.
    assert web.post(form.action, data=form.data(answers)).status_code == 303


def test_an_answer_to_a_follow_up_that_no_longer_applies_is_dropped(app, web):
    answers = routine_answers() | {"cancer_history": "yes", "cancer_years_ago": "12"}
    check = walk(web, answers)
    assert "12" in check.get_data(as_text=True)
    safety = Form(web.get("/questions/safety?then=check").get_data(as_text=True))
    changed = web.post(safety.action, data=safety.data(answers | {"cancer_history": "no"}))
    assert changed.headers["Location"] == "/questions/check"  # back to checking
    check = web.get("/questions/check")
    assert "how many years ago" not in check.get_data(as_text=True)
    send(web, check)
    with app.app_context():
        intake = db.session.scalar(select(models.TriageRecord.intake))
    assert intake["cancer_history"] is False and intake["cancer_years_ago"] is None


def test_the_steps_pick_up_a_question_added_to_a_section(web, monkeypatch):
    """Built from the questionnaire: a new safety question needs no change to the steps."""
    real = form_steps.questionnaire

    def with_chest_pain():
        described = real()
        described["questions"].append({"id": "chest_pain", "label": "Do you have chest pain?",
                                       "help": "", "section": "safety", "required": False,
                                       "type": "boolean"})
        return described

    monkeypatch.setattr(form_steps, "questionnaire", with_chest_pain)
    html = web.get("/questions/safety").get_data(as_text=True)
    assert 'name="chest_pain"' in html and "Do you have chest pain?" in html


@pytest.mark.parametrize("case", ["ces-saddle-bladder", "remote-cancer", "flare-day-one"])
def test_vignettes_through_the_steps(web, case):
    from service.triage.vignettes import expectation_problems
    from tests.browser.result_reader import read_outcome

    address = send(web, walk(web, form_answers(VIGNETTES[case]["intake"])))
    shown = read_outcome(web.get(address).get_data(as_text=True))
    assert expectation_problems(VIGNETTES[case]["expect"], shown) == []
