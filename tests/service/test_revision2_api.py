"""CLINICAL.md "Revision 2" through the JSON API and the web form, as a client sees it.

Every case of issue 13 posted to /api/v1/triage gets its level and (no) routine; the
reasons shown fit the outcome; the three new questions are optional for old clients and
are asked, answered and acted on in the web form as it is rendered.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from rules.defaults import load_default_knowledge_base
from rules.schema import Refer
from service.extensions import db
from service.patient.web_form import form_answers
from service.store.models import TriageRecord
from service.triage.intake import SECTIONS
from tests.rules.revision2_cases import CASE_IDS, CASES, answers
from tests.service.test_form_steps import Form, send, walk
from tests.service.test_pages import Page, step_pages

NEW_FIELDS = ("chest_pain", "difficulty_walking", "diabetes")
REFER_RULES = {r.slug for r in load_default_knowledge_base().rules
               if isinstance(r.action, Refer)}


def triage(client, body: dict) -> dict:
    response = client.post("/api/v1/triage", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize(("changes", "level", "routine"), [c[1:] for c in CASES],
                         ids=CASE_IDS)
def test_revision2_case_through_the_api(client, changes, level, routine):
    body = triage(client, answers(changes))
    assert body["triage_level"] == level, [r["rule"] for r in body["reasons"]]
    assert (body["routine"] is not None) == routine
    check_reasons_fit_the_outcome(body)


def check_reasons_fit_the_outcome(body: dict) -> None:
    """Referral reasons are referrals; a reason marked as applying is in the outcome."""
    referral = body["referral"]
    shown = [r["rule"] for r in referral["reasons"]] if referral else []
    assert set(shown) <= REFER_RULES
    assert all(r["applies"] for r in referral["reasons"]) if referral else True
    routine = body["routine"]
    for reason in body["reasons"]:
        if reason["rule"] in REFER_RULES:
            assert reason["applies"] and reason["rule"] in shown
        elif routine is None:
            assert reason["applies"] is False, reason["rule"]


def test_an_emergency_keeps_routine_rules_for_audit_but_marks_them_not_applying(app, client):
    body = triage(client, answers({"cancer_history": True, "leg_weakness": "stable",
                                   "leg_pain": "below_knee", "days_since_onset": 20}))
    assert body["triage_level"] == "emergency" and body["routine"] is None
    by_rule = {r["rule"]: r for r in body["reasons"]}
    # The complaint in issue 13: core-exercise encouragement under an A&E referral.
    assert by_rule["routine_core_pelvic_tilt"]["applies"] is False
    assert "routine_core_pelvic_tilt" not in {r["rule"] for r in body["referral"]["reasons"]}
    with app.app_context():  # the stored record keeps every fired rule, for audit
        record = db.session.scalar(select(TriageRecord)
                                   .where(TriageRecord.reference == body["id"]))
        stored = {r["rule"]: r["applies"] for r in record.outcome["reasons"]}
    assert stored["routine_core_pelvic_tilt"] is False and stored["cancer_cord_compression"]


def test_a_routine_marks_its_own_reasons_as_applying(client):
    body = triage(client, answers({"days_since_onset": 20}))
    assert body["triage_level"] == "self_care"
    applies = {r["rule"]: r["applies"] for r in body["reasons"]}
    assert applies["routine_core_pelvic_tilt"] and applies["routine_pain_relief"]
    assert "pain_relief" in [a["slug"] for a in body["routine"]["advice"]]


def test_an_old_clients_body_is_still_valid_and_the_new_answers_default_to_no(app, client,
                                                                            intake):
    assert not set(NEW_FIELDS) & intake.keys()
    body = triage(client, intake)
    assert body["triage_level"] == "self_care"
    with app.app_context():
        record = db.session.scalar(select(TriageRecord))
    assert {f: record.intake[f] for f in NEW_FIELDS} == dict.fromkeys(NEW_FIELDS, False)


@pytest.mark.parametrize("field", NEW_FIELDS)
def test_a_new_answer_must_be_true_or_false(app, client, intake, field):
    response = client.post("/api/v1/triage", json=intake | {field: "yes"})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {field: "must be true or false"}
    with app.app_context():
        assert db.session.scalar(select(func.count(TriageRecord.id))) == 0


@pytest.mark.parametrize(("field", "words"), [
    ("chest_pain", "chest pain"), ("difficulty_walking", "heavy, unsteady or clumsy"),
    ("diabetes", "diabetes"),
])
def test_the_questionnaire_asks_the_new_questions_in_the_safety_section(client, field, words):
    questions = {q["id"]: q for q in client.get("/api/v1/questionnaire").get_json()["questions"]}
    question = questions[field]
    assert question["section"] == "safety" and question["type"] == "boolean"
    assert question["required"] is False and question["default"] is False
    assert words in question["label"]


def test_the_bladder_question_covers_fullness_and_wiping(client):
    questions = {q["id"]: q for q in client.get("/api/v1/questionnaire").get_json()["questions"]}
    help_text = questions["bladder_bowel_change"]["help"]
    assert "not feeling when your bladder or bowel is full" in help_text
    assert "when you wipe" in help_text


# ---------------------------------------------------------------------------------
# The web form, as rendered
# ---------------------------------------------------------------------------------


@pytest.fixture
def web(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def offered(web) -> list[dict]:
    """Every control the pages of questions offer a new patient (as a browser sees them)."""
    return [c for html in step_pages(web).values() for c in Form(html).controls]


def submit(app, web, wanted: dict) -> tuple[str, dict]:
    """Answer `wanted` (JSON answers) as a patient does: page by page, on the rendered
    step forms, then the check page, then the redirect to the result's own address.

    Returns the result page's HTML and the outcome stored for it. Every answer must be
    one the pages offer, and must reach the triage as given (none dropped on the way)."""
    fields = form_answers(wanted)
    controls = offered(web)
    for name, value in fields.items():
        assert any(c.get("name") == name and (c.get("type") == "text" or c.get("value") == value)
                   for c in controls), f"the form does not offer {name}={value}"
    address = send(web, walk(web, fields))
    reference = re.fullmatch(r"/result/(ST-[0-9A-Z]{4}-[0-9A-Z]{4})/[A-Za-z0-9_-]+",
                             address).group(1)
    response = web.get(address)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert reference in html
    with app.app_context():
        record = db.session.scalar(select(TriageRecord)
                                   .where(TriageRecord.reference == reference))
        intake, outcome = record.intake, record.outcome
    assert {name: intake[name] for name in wanted} == wanted
    check_reasons_fit_the_outcome(outcome)
    return html, outcome


def not_applying(outcome: dict) -> dict[str, str]:
    """The reasons stored for audit but not part of the outcome: rule -> text."""
    return {r["rule"]: r["text"] for r in outcome["reasons"] if not r["applies"]}


def test_the_form_renders_the_new_questions_as_yes_no_unanswered(web):
    assert web.get("/").status_code == 200
    pages = step_pages(web)
    assert f'<h1 id="step-title">{SECTIONS["safety"]}</h1>' in pages["safety"]
    safety = Page(pages["safety"])
    for field in NEW_FIELDS:
        # Asked once, on the safety questions' page, and nowhere else.
        assert [step for step, html in pages.items() if f'name="{field}"' in html] == [
            "safety"], field
        controls = safety.named(field)
        assert [c["value"] for c in controls] == ["yes", "no"]
        assert {c["type"] for c in controls} == {"radio"}
        assert not any("checked" in c for c in controls), field  # left unanswered


@pytest.mark.parametrize(("changes", "level"), [
    ({"chest_pain": True}, "emergency_ambulance"),
    ({"difficulty_walking": True}, "consultation_24"),
    ({"diabetes": True}, "consultation"),
    ({"diabetes": True, "fever": True}, "consultation_24"),
])
def test_the_new_questions_answered_on_the_form_change_the_result(app, web, changes, level):
    html, outcome = submit(app, web, answers(changes))
    assert f'data-triage-level="{level}"' in html
    assert outcome["triage_level"] == level


def test_the_form_still_works_when_the_new_questions_are_left_unanswered(app, web):
    wanted = answers({})
    assert not set(NEW_FIELDS) & wanted.keys()
    html, _outcome = submit(app, web, wanted)
    assert 'data-triage-level="self_care"' in html
    assert 'data-advice="pain_relief"' in html
    with app.app_context():  # unanswered on the form: stored as "no"
        record = db.session.scalar(select(TriageRecord))
    assert {f: record.intake[f] for f in NEW_FIELDS} == dict.fromkeys(NEW_FIELDS, False)


def test_a_three_year_old_gets_no_adult_routine_on_the_page(app, web):
    html, outcome = submit(app, web, answers({"age": 3, "days_since_onset": 7}))
    assert 'data-triage-level="consultation_24"' in html
    assert outcome["routine"] is None
    for adult in ("data-exercise", "Your walking plan", "including work", "data-advice",
                  "Why we chose this routine"):
        assert adult not in html, adult
    for rule, text in not_applying(outcome).items():  # kept for audit, never shown
        assert text not in html, rule


def test_an_emergency_page_shows_only_the_reasons_for_the_referral(app, web):
    html, outcome = submit(app, web, answers({"cancer_history": True, "leg_weakness": "stable",
                                              "leg_pain": "both_legs",
                                              "days_since_onset": 20}))
    assert 'data-triage-level="emergency"' in html
    for routine_words in ("gentle exercises", "will help support your spine",
                          "Why we chose this routine", "walking plan"):
        assert routine_words not in html, routine_words
    assert "cancer" in html and "both legs" in html
    # The routine rules that fired are stored for audit, marked as not applying, and
    # their reasons are not on the page; the referral's own reasons are.
    hidden = not_applying(outcome)
    assert "routine_core_pelvic_tilt" in hidden
    for rule, text in hidden.items():
        assert text not in html, rule
    for reason in outcome["referral"]["reasons"]:
        assert reason["applies"] and reason["text"] in html, reason["rule"]
