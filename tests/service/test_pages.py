"""The patient's web form and result page, through the Flask test client."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

import service
from service.extensions import db
from service.patient.form_steps import steps
from service.patient.result_view import FIND_AE, FIND_URGENT_CARE, ILLUSTRATIONS
from service.patient.web_form import flat_questions, form_answers, intake_from_form
from service.store import models
from service.triage.intake import SECTIONS
from service.triage.publishing import publish
from service.triage.vignettes import expectation_problems
from tests.browser.result_reader import read_outcome
from tests.conftest import PUBLIC_VIGNETTES

VIGNETTES = {v["id"]: v for v in PUBLIC_VIGNETTES}


class Page(HTMLParser):
    """The parts of a page the tests look at: controls, labels, legends, markup rules."""

    def __init__(self, html: str):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.fieldsets = self.legends = 0
        self.inline_scripts = self.style_blocks = self.style_attributes = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.style_attributes += "style" in a
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        elif tag == "label" and "for" in a:
            self.label_for.add(a["for"])
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1
        elif tag == "script" and not a.get("src"):
            self.inline_scripts += 1
        elif tag == "style":
            self.style_blocks += 1

    def named(self, name: str) -> list[dict]:
        return [c for c in self.controls if c.get("name") == name]


@pytest.fixture
def csrf_app(app):
    """The app with CSRF checks on, whatever a test configuration might default to."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def web(csrf_app):
    return csrf_app.test_client()


def csrf_token(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_form(client, answers: dict | MultiDict, follow: bool = True):
    """Post answers as the page would: with the token from a fresh GET of the form.

    A stored result answers 303 to its own address; like a browser, follow it."""
    data = MultiDict(answers)
    data["csrf_token"] = csrf_token(client)
    return client.post("/", data=data, follow_redirects=follow)


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(models.TriageRecord.id)))


def routine_answers() -> dict[str, str]:
    return form_answers(VIGNETTES["piriformis"]["intake"])


def step_pages(client) -> dict[str, str]:
    """The HTML of every page of questions, by step id, as a new patient first sees it."""
    return {step.id: client.get(f"/questions/{step.id}").get_data(as_text=True)
            for step in steps()}


def test_the_steps_ask_every_question_by_its_intake_name(web):
    assert web.get("/").status_code == 200
    pages = step_pages(web)
    html = "".join(pages.values())
    page = Page(html)
    for name, question in flat_questions():
        controls = page.named(name)
        assert controls, f"no control for {name}"
        assert sum(f'name="{name}"' in p for p in pages.values()) == 1, f"{name} asked twice"
        if question["type"] == "boolean":
            assert [c["value"] for c in controls] == ["yes", "no"]
        elif question["type"] == "choice":
            assert [c["value"] for c in controls] == [c["value"] for c in question["choices"]]
        elif name == "pain_score":  # a 0-10 scale of radios, not a text box
            assert [c["value"] for c in controls] == [str(n) for n in range(11)]
            assert {c["type"] for c in controls} == {"radio"}
        else:
            assert [c["type"] for c in controls] == ["text"]
        # Nothing is answered for the patient, least of all a safety question.
        assert not any("checked" in c for c in controls), name
    assert all(c["id"] in page.label_for for c in page.controls), "a control has no label"
    assert page.fieldsets == page.legends > 0
    for step_id, title in SECTIONS.items():
        assert f'<h1 id="step-title">{title}</h1>' in pages[step_id]
    assert "This is not a diagnosis" in html


def test_the_pain_scale_has_words_at_both_ends(web):
    html = web.get("/questions/your_pain").get_data(as_text=True)
    assert "0 = No pain" in html and "10 = Worst pain you can imagine" in html


def test_the_red_flag_questions_are_asked_in_plain_words_on_the_form(web):
    html = web.get("/questions/safety").get_data(as_text=True)
    assert "numbness or tingling around your genitals, back passage (anus)" in html
    assert "For example, it feels different when you wipe after using the toilet." in html


@pytest.mark.parametrize("change, field, words, step", [
    (lambda a: a.pop("age"), "age", "Please enter a number from 0 to 120", "about_you"),
    (lambda a: a.update(age="abc"), "age", "must be a whole number", "about_you"),
    (lambda a: a.update(age="12.5"), "age", "must be a whole number", "about_you"),
    (lambda a: a.update(age="130"), "age", "must be a number from 0 to 120", "about_you"),
    (lambda a: a.pop("saddle_numbness"), "saddle_numbness", "Please choose Yes or No", "safety"),
    (lambda a: a.update(leg_pain="sideways"), "leg_pain", "Please choose one of the answers",
     "your_pain"),
])
def test_a_wrong_or_missing_answer_shows_its_step_again(csrf_app, web, change, field, words,
                                                        step):
    answers = routine_answers()
    change(answers)
    response = post_form(web, answers)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<h1 id="step-title">{SECTIONS[step]}</h1>' in html  # the page with the problem
    summary = html[html.index('class="error-summary"'):html.index("</ul>")]
    assert words in summary
    target = f"q-{field}" + ("-yes" if field == "saddle_numbness" else "")
    target += "-none" if field == "leg_pain" else ""
    assert f'href="#{target}"' in summary
    assert f'id="{target}"' in html
    assert f'id="q-{field}-error"' in html  # and next to the question itself
    # The other answers are kept as they were given, on their own pages.
    pain = web.get("/questions/your_pain").get_data(as_text=True)
    assert re.search(rf'id="q-pain_score-{answers["pain_score"]}"[^>]*value="'
                     rf'{answers["pain_score"]}" checked', pain)
    safety = web.get("/questions/safety").get_data(as_text=True)
    assert re.search(r'id="q-fever-no"\s+name="fever"\s+value="no" checked', safety)
    assert stored(csrf_app) == 0


def test_unexpected_or_doubled_answers_are_refused_not_ignored(csrf_app, web):
    answers = MultiDict(routine_answers())
    answers["sadle_numbness"] = "yes"
    answers.add("fever", "yes")  # now both yes and no
    response = post_form(web, answers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "We did not expect this answer" in html
    assert 'id="q-fever-error"' in html
    assert stored(csrf_app) == 0


def test_start_back_is_optional_but_not_by_halves(csrf_app, web):
    answers = routine_answers() | {"start_back.q1": "yes", "start_back.q9": "slightly"}
    response = post_form(web, answers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for item in ("q2", "q3", "q4", "q5", "q6", "q7", "q8"):
        assert f'id="q-start_back-{item}-error"' in html
    assert 'id="q-start_back-q1-error"' not in html
    assert stored(csrf_app) == 0

    none = post_form(web, routine_answers())
    assert none.status_code == 200
    assert "How the pain is affecting you" not in none.get_data(as_text=True)
    full = routine_answers() | {f"start_back.q{i}": "yes" for i in range(1, 9)}
    full["start_back.q9"] = "extremely"
    html = post_form(web, full).get_data(as_text=True)
    assert "High risk (total 9 of 9, psychosocial 5 of 5)" in html


def test_a_post_without_the_csrf_token_is_refused_and_stores_nothing(csrf_app, web):
    web.get("/")  # a session exists, but the post does not carry its token
    response = web.post("/", data=routine_answers())
    assert response.status_code == 400
    assert "nothing has been saved" in response.get_data(as_text=True)
    wrong = web.post("/", data=routine_answers() | {"csrf_token": "forged"})
    assert wrong.status_code == 400
    assert stored(csrf_app) == 0
    assert post_form(web, routine_answers()).status_code == 200  # the real token works
    assert stored(csrf_app) == 1


@pytest.mark.parametrize("vignette", PUBLIC_VIGNETTES, ids=[v["id"] for v in PUBLIC_VIGNETTES])
def test_public_vignette_through_the_web_form(web, vignette):
    response = post_form(web, form_answers(vignette["intake"]))
    assert response.status_code == 200
    shown = read_outcome(response.get_data(as_text=True))
    assert shown.triage_level in vignette["expect"]["levels"]
    assert expectation_problems(vignette["expect"], shown) == []


def test_the_page_reader_would_catch_a_wrong_result(web):
    """The vignette test above can fail: an A&E case read from a routine page fails."""
    html = post_form(web, routine_answers()).get_data(as_text=True)
    problems = expectation_problems(VIGNETTES["ces-saddle-bladder"]["expect"],
                                    read_outcome(html))
    assert "a routine was given" in problems and any("told “Home care”" in p for p in problems)


def test_the_result_is_stored_once_and_never_cached(csrf_app, web):
    response = post_form(web, routine_answers())
    assert response.headers["Cache-Control"] == "no-store"
    reference = re.search(r"ST-[0-9A-Z]{4}-[0-9A-Z]{4}", response.get_data(as_text=True))
    with csrf_app.app_context():
        record = db.session.scalar(select(models.TriageRecord))
    assert record.reference == reference.group(0)
    assert record.intake == intake_from_form(MultiDict(routine_answers())) | {
        "sex": "female", "start_back": None, "cancer_years_ago": None,
        # Revision 2's optional questions, unanswered on this form: stored as "no".
        "chest_pain": False, "difficulty_walking": False, "diabetes": False}


def test_a_referral_with_a_routine_shows_the_referral_first(web):
    html = post_form(web, form_answers(VIGNETTES["chronic-medium-risk"]["intake"])).get_data(
        as_text=True)
    assert 'data-triage-level="consultation"' in html
    # The action, then the summary for the doctor, then the routine with the walking plan
    # in one place, then the stop signs and when to get help.
    order = [html.index(marker) for marker in (
        "Book an appointment with a doctor or physiotherapist</h1>", "Within about 2 weeks",
        "Summary for your doctor", 'id="exercises-title"', 'data-exercise="walking"',
        "Walking: your plan", 'data-advice="stop_signs"', "When to get help")]
    assert order == sorted(order)
    assert html.count('data-exercise="walking"') == 1  # no separate walking card


def test_a_walker_already_at_the_goal_is_told_to_keep_going_not_given_a_chart(web):
    html = post_form(web, routine_answers() | {"walking_minutes": "75"}).get_data(as_text=True)
    assert 'data-walking="keep-going" data-minutes="60"' in html
    assert "You can already walk comfortably for\n      60 minutes or more" in html
    assert "Move on to the next week" not in html and "walking-chart" not in html
    assert [w.minutes_per_day for w in read_outcome(html).routine.walking_plan] == [60]
    building = post_form(web, routine_answers() | {"walking_minutes": "20"}).get_data(
        as_text=True)
    assert "Move on to the next week" in building and "keep-going" not in building


def test_the_doctor_summary_lists_the_answers_that_matter(web):
    answers = routine_answers() | {"saddle_numbness": "yes", "cancer_history": "yes",
                                   "cancer_years_ago": "12", "pain_score": "7"}
    html = post_form(web, answers).get_data(as_text=True)
    summary = html[html.index("Summary for your doctor"):]
    assert "inner thighs? Yes" in summary
    assert "Have you ever been diagnosed with cancer? Yes" in summary
    assert "diagnosed or treated? 12" in summary
    assert "7 out of 10" in summary and "21 days ago" in summary
    assert "cauda equina syndrome" in summary  # why the service referred
    assert re.search(r"\d{1,2} \w+ 20\d\d at \d\d:\d\d UTC", summary)


def change_and_publish(app, **changes) -> None:
    """Edit the draft (rule reasons, advice text, illustrations) and publish it."""
    with app.app_context():
        for slug, reason in changes.get("rule_reason", {}).items():
            db.session.scalar(select(models.Rule).where(models.Rule.slug == slug)).reason = reason
        for slug, text in changes.get("advice_text", {}).items():
            db.session.scalar(select(models.Advice).where(models.Advice.slug == slug)).text = text
        for slug, drawing in changes.get("illustration", {}).items():
            row = db.session.scalar(select(models.Exercise).where(models.Exercise.slug == slug))
            row.illustration = drawing
        db.session.commit()
        assert publish("test").version == 2


def test_clinician_text_is_shown_as_text_never_run(csrf_app, web):
    script = '<script>alert("reason")</script>'
    change_and_publish(csrf_app, rule_reason={"ces_saddle_numbness": f"{script} Go now."},
                       advice_text={"stop_signs": 'Stop.\n- <img src=x onerror="alert(1)">'})
    referral = post_form(web, routine_answers() | {"saddle_numbness": "yes"})
    html = referral.get_data(as_text=True)
    assert script not in html
    assert "&lt;script&gt;alert(&#34;reason&#34;)&lt;/script&gt; Go now." in html
    routine = post_form(web, routine_answers()).get_data(as_text=True)
    assert "<img src=x" not in routine
    assert "<li>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</li>" in routine


def test_an_unknown_drawing_falls_back_to_the_generic_one(csrf_app, web):
    change_and_publish(csrf_app, illustration={"piriformis_stretch": "../../base.html"})
    html = post_form(web, routine_answers()).get_data(as_text=True)
    card = html[html.index('data-exercise="piriformis_stretch"'):]
    assert card.index('data-drawing="generic"') < card.index("</article>")
    assert 'data-drawing="hamstring_stretch"' in html


def test_every_drawing_offered_exists_and_every_drawing_is_offered():
    """The admin panel offers ILLUSTRATIONS; each must be a pair of files (start and end
    position), and no file left out."""
    folder = Path(service.__file__).parent / "patient" / "templates" / "patient" / "illustrations"
    assert {p.stem for p in folder.glob("*.svg")} == {
        f"{name}-{pose}" for name in {*ILLUSTRATIONS, "generic"} for pose in ("start", "end")}
    for path in folder.glob("*.svg"):
        name, pose = path.stem.rsplit("-", 1)
        svg = path.read_text()
        assert f'data-drawing="{name}" data-pose="{pose}"' in svg
        assert 'aria-hidden="true"' in svg and "<script" not in svg and "style=" not in svg


def test_the_fail_safe_result_is_a_referral_without_a_routine(web, monkeypatch):
    class NothingPublished:
        def current(self):
            return None
    monkeypatch.setattr("service.triage.assessment.active_ruleset", lambda: NothingPublished())
    html = post_form(web, routine_answers()).get_data(as_text=True)
    assert 'data-triage-level="consultation"' in html
    assert "We could not complete your assessment" in html
    assert "data-exercise" not in html


@pytest.mark.parametrize("path", ["form", "errors", "referral", "routine"])
def test_pages_have_no_inline_script_or_style(web, path):
    answers = {"form": None, "errors": {}, "referral": routine_answers() | {"fever": "yes"},
               "routine": routine_answers()}[path]
    html = (web.get("/") if answers is None else post_form(web, answers)).get_data(as_text=True)
    page = Page(html)
    assert (page.inline_scripts, page.style_blocks, page.style_attributes) == (0, 0, 0)


def test_form_answers_and_intake_from_form_are_inverses(vignettes):
    for v in vignettes:
        assert intake_from_form(MultiDict(form_answers(v["intake"]))) == v["intake"]


@pytest.mark.parametrize("level, title, calls", [
    ("emergency_ambulance", "Call an ambulance now", ['href="tel:999">Call 999 now']),
    ("emergency", "Go to an emergency department now",
     [f'href="{FIND_AE}" rel="noreferrer">Find your nearest A&amp;E',
      'href="tel:999">Call 999 if you cannot get there safely']),
    ("consultation_24", "See a doctor today",
     ["Within 24 hours", 'href="tel:111">Call 111',
      f'href="{FIND_URGENT_CARE}" rel="noreferrer">Find urgent care near you']),
    ("consultation", "Book an appointment with a doctor or physiotherapist",
     ["Within about 2 weeks", "Find a GP surgery"]),
])
def test_each_referral_level_has_its_own_call_to_action(app, intake, level, title, calls):
    """Every level is rendered, including any the default rules do not use yet."""
    from service.patient.result_pages import render_result
    from service.triage.intake import Intake
    from service.triage.outcome import LEVEL_GUIDANCE, Outcome, Reason, Referral

    heading, time_frame, message = LEVEL_GUIDANCE[level]
    reason = Reason(rule="r", text="Because of what you told us.")
    outcome = Outcome(id="ST-TEST-0001", triage_level=level, routine=None, reasons=[reason],
                      ruleset_version=1, referral=Referral(
                          level=level, title=heading, time_frame=time_frame,
                          message=message, reasons=[reason]))
    with app.test_request_context("/", method="POST"):
        html = render_result(Intake.model_validate(intake), outcome)
    assert f'data-triage-level="{level}"' in html
    action = html[html.index('<section class="action'):]
    action = action[:action.index("</section>")]
    assert f'<h1 id="result-title">{title}</h1>' in action
    for call in calls:
        assert call in action
    assert "Because of what you told us." in html and "This is not a diagnosis" in html
    # Only those told to go now are offered 999 first; 111 is for "today".
    assert ("tel:999" in action) == level.startswith("emergency")
    assert ("tel:111" in action) == (level == "consultation_24")


@pytest.mark.parametrize("text, blocks", [
    ("One line.", [("p", "One line.")]),
    ("First part\nof a paragraph.\n\nSecond.", [("p", "First part of a paragraph."),
                                                 ("p", "Second.")]),
    ("Look out for:\n- this\n- that\nThen act.",
     [("p", "Look out for:"), ("ul", ["this", "that"]), ("p", "Then act.")]),
    ("Windows\r\n\r\n- line ends", [("p", "Windows"), ("ul", ["line ends"])]),
    ("-no space is not a bullet", [("p", "-no space is not a bullet")]),
])
def test_advice_text_becomes_paragraphs_and_lists(text, blocks):
    from service.patient.result_view import advice_blocks

    assert advice_blocks(text) == blocks
