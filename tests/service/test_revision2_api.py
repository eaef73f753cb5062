"""CLINICAL.md "Revision 2" through the JSON API and the web form, as a client sees it.

Every case of issue 13 posted to /api/v1/triage gets its level and (no) routine; the
reasons shown fit the outcome; the three new questions are optional for old clients and
are asked, answered and acted on in the web form as it is rendered.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from rules.defaults import load_default_knowledge_base
from rules.schema import Refer
from service.extensions import db
from service.models import TriageRecord
from tests.rules.revision2_cases import CASE_IDS, CASES, answers

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


class RenderedForm(HTMLParser):
    """The controls a rendered questionnaire offers: radios by name, text inputs, hidden."""

    def __init__(self, html: str):
        super().__init__()
        self.radios: dict[str, list[str]] = {}
        self.texts: set[str] = set()
        self.hidden: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag != "input":
            return
        if a.get("type") == "radio":
            self.radios.setdefault(a["name"], []).append(a["value"])
        elif a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        else:
            self.texts.add(a["name"])

    def fill(self, wanted: dict) -> dict:
        """A post of `wanted` (JSON answers) made only of controls the page offers."""
        data = dict(self.hidden)
        for name, value in wanted.items():
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if name in self.radios:
                assert str(value) in self.radios[name], (name, value)
            else:
                assert name in self.texts, f"the form does not ask {name}"
            data[name] = str(value)
        return data


@pytest.fixture
def web(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def submit(web, wanted: dict) -> str:
    form = RenderedForm(web.get("/").get_data(as_text=True))
    response = web.post("/", data=form.fill(wanted))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_form_renders_the_new_questions_as_yes_no_unanswered(web):
    html = web.get("/").get_data(as_text=True)
    form = RenderedForm(html)
    for field in NEW_FIELDS:
        assert form.radios[field] == ["yes", "no"]
        assert f'id="q-{field}-yes" name="{field}" value="yes" checked' not in html
    safety = html[html.index("Important safety questions"):html.index("How you move")]
    assert all(f'name="{field}"' in safety for field in NEW_FIELDS)


@pytest.mark.parametrize(("changes", "level"), [
    ({"chest_pain": True}, "emergency_ambulance"),
    ({"difficulty_walking": True}, "consultation_24"),
    ({"diabetes": True}, "consultation"),
    ({"diabetes": True, "fever": True}, "consultation_24"),
])
def test_the_new_questions_answered_on_the_form_change_the_result(web, changes, level):
    html = submit(web, answers(changes))
    assert f'data-triage-level="{level}"' in html


def test_the_form_still_works_when_the_new_questions_are_left_unanswered(web):
    html = submit(web, answers({}))
    assert 'data-triage-level="self_care"' in html
    assert 'data-advice="pain_relief"' in html


def test_a_three_year_old_gets_no_adult_routine_on_the_page(web):
    html = submit(web, answers({"age": 3, "days_since_onset": 7}))
    assert 'data-triage-level="consultation_24"' in html
    for adult in ("data-exercise", "Your walking plan", "including work", "data-advice",
                  "Why we chose this routine"):
        assert adult not in html, adult


def test_an_emergency_page_shows_only_the_reasons_for_the_referral(web):
    html = submit(web, answers({"cancer_history": True, "leg_weakness": "stable",
                                "leg_pain": "both_legs", "days_since_onset": 20}))
    assert 'data-triage-level="emergency"' in html
    for routine_words in ("gentle exercises", "will help support your spine",
                          "Why we chose this routine", "walking plan"):
        assert routine_words not in html, routine_words
    assert "cancer" in html and "both legs" in html
