"""Script smuggled into clinician-written text renders as text everywhere it is shown:
the patient's result, the summary for the doctor, and the admin panel."""

import re

import pytest
from sqlalchemy import select

from service.extensions import db
from service.patient.web_form import form_answers
from service.store import models
from service.triage.publishing import publish
from tests.conftest import PUBLIC_VIGNETTES

PAYLOADS = ['<script>alert("xss")</script>', '"><img src=x onerror=alert(1)>']
VIGNETTES = {v["id"]: v for v in PUBLIC_VIGNETTES}


@pytest.fixture
def poisoned(app):
    """A published version whose reasons, messages, steps and advice carry payloads."""
    script, img = PAYLOADS
    with app.app_context():
        rule = db.session.scalar(
            select(models.Rule).where(models.Rule.slug == "ces_saddle_numbness"))
        rule.reason = f"Numbness {script} {img}"
        rule.action = {**rule.action, "message": f"Go now {script} {img}"}
        exercise = db.session.scalar(
            select(models.Exercise).where(models.Exercise.slug == "piriformis_stretch"))
        exercise.instructions = [f"Lie down {script}", *exercise.instructions[1:]]
        exercise.cautions = [f"Careful {img}"]
        advice = db.session.scalar(select(models.Advice).where(models.Advice.slug == "stop_signs"))
        advice.text = f"{advice.text}\n- {script} {img}"
        db.session.commit()
        assert publish("test", note="payloads").version == 2


def assert_inert(html: str) -> None:
    for payload in PAYLOADS:
        assert payload not in html
    assert "<img src=x" not in html
    # No script element in the page body except ones carrying this response's nonce.
    assert not re.search(r"<script(?![^>]*\bnonce=)(?![^>]*\bsrc=)", html)


def post_form(client, intake: dict):
    """Send the answers; like a browser, follow the 303 to the result's own address."""
    return client.post("/", data=form_answers(intake), follow_redirects=True)


def test_payloads_in_a_referral_are_text_on_the_result_and_the_doctors_summary(
        client, poisoned):
    html = post_form(client, VIGNETTES["ces-saddle-bladder"]["intake"]).get_data(as_text=True)
    assert 'data-triage-level="emergency"' in html
    assert_inert(html)
    assert "&lt;script&gt;alert(" in html  # shown, as text
    summary = html[html.index("Summary for your doctor"):]
    assert "Numbness &lt;script&gt;" in summary


def test_payloads_in_exercises_and_advice_are_text_on_the_routine(client, poisoned):
    html = post_form(client, VIGNETTES["piriformis"]["intake"]).get_data(as_text=True)
    assert 'data-triage-level="self_care"' in html
    assert_inert(html)
    assert "Lie down &lt;script&gt;" in html
    assert "Careful &#34;&gt;&lt;img" in html or "Careful &quot;&gt;&lt;img" in html


def test_the_api_returns_the_text_unchanged_for_clients_to_escape(client, poisoned):
    body = client.post("/api/v1/triage",
                       json=VIGNETTES["ces-saddle-bladder"]["intake"]).get_json()
    assert body["referral"]["message"] == f"Go now {PAYLOADS[0]} {PAYLOADS[1]}"


@pytest.mark.parametrize("path", [
    "/admin/rule/", "/admin/exercise/", "/admin/advice/", "/admin/auditentry/",
    "/admin/publish/", "/admin/rulesetversion/", "/admin/rulesetversion/diff/?a=1&b=2",
])
def test_payloads_are_text_in_the_admin(publisher, poisoned, path):
    response = publisher.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True))


def test_payloads_are_text_in_the_rule_and_exercise_editors(app, publisher, poisoned):
    with app.app_context():
        rule_id = db.session.scalar(
            select(models.Rule.id).where(models.Rule.slug == "ces_saddle_numbness"))
        exercise_id = db.session.scalar(
            select(models.Exercise.id).where(models.Exercise.slug == "piriformis_stretch"))
    for path in (f"/admin/rule/edit/?id={rule_id}", f"/admin/exercise/edit/?id={exercise_id}"):
        html = publisher.get(path).get_data(as_text=True)
        assert_inert(html)
        assert "&lt;script&gt;" in html


def test_the_version_diff_shows_the_payload_as_text(publisher, poisoned):
    html = publisher.get("/admin/rulesetversion/diff/?a=1&b=2").get_data(as_text=True)
    assert_inert(html)
    assert "Go now &lt;script&gt;" in html
