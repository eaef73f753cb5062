"""The lasting result address: post/redirect/get, the token, deletion and retention."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from service.extensions import db
from service.patient.result_access import load_record
from service.patient.web_form import form_answers
from service.store import models
from service.store.models import utcnow
from tests.service.test_pages import VIGNETTES, post_form, routine_answers

ADDRESS = re.compile(r"/result/(ST-[0-9A-Z]{4}-[0-9A-Z]{4})/([A-Za-z0-9_-]+)$")
GONE = "This result is no longer available"


@pytest.fixture
def web(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def send(web, answers=None) -> tuple[str, str, str]:
    """Post the answers; return (address, reference, token) the 303 points to."""
    response = post_form(web, answers or routine_answers(), follow=False)
    assert response.status_code == 303
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    reference, token = ADDRESS.search(location).groups()
    return location, reference, token


def records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(models.TriageRecord.id)))


def test_sending_the_answers_redirects_to_a_result_that_reloads_the_same(app, web):
    address, reference, token = send(web)
    assert len(token) >= 32  # 24 random bytes: 192 bits
    first = web.get(address)
    again = web.get(address)
    assert first.status_code == again.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    assert first.get_data() == again.get_data()  # the same result and reference
    html = first.get_data(as_text=True)
    assert reference in html and 'data-triage-level="self_care"' in html
    assert records(app) == 1  # reloading stored nothing new


def test_only_a_hash_of_the_token_is_stored(app, web):
    _address, reference, token = send(web)
    with app.app_context():
        record = db.session.scalar(select(models.TriageRecord))
        assert record.reference == reference
        assert record.access_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = json.dumps([record.intake, record.outcome, record.access_hash])
    assert token not in stored


def test_each_result_gets_its_own_token(web):
    _a, ref_one, token_one = send(web)
    _b, ref_two, token_two = send(web)
    assert ref_one != ref_two and token_one != token_two
    # One patient's token does not open another's result.
    assert web.get(f"/result/{ref_two}/{token_one}").status_code == 404


def wrong_addresses(reference: str, token: str) -> list[str]:
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return [f"/result/{reference}", f"/result/{reference}/", f"/result/{reference}/{flipped}",
            f"/result/{reference}/{token[:16]}", f"/result/{reference}/{flipped}/handout",
            f"/result/{reference}/{flipped}/doctor", f"/result/{reference}/x" * 2]


def test_a_wrong_or_missing_token_is_404_and_reveals_nothing(web):
    address, reference, token = send(web, routine_answers() | {"saddle_numbness": "yes"})
    answered = web.get(address).get_data(as_text=True)
    assert "Go to an emergency department now" in answered
    unknown = web.get("/result/ST-0000-0000/" + "A" * 32)
    assert unknown.status_code == 404
    for wrong in wrong_addresses(reference, token):
        response = web.get(wrong)
        assert response.status_code == 404, wrong
        # Word for word the page an address that never existed gets: nothing to tell
        # a guesser that this reference is real, let alone what its result was.
        assert response.get_data() == unknown.get_data(), wrong
    body = unknown.get_data(as_text=True)
    assert GONE in body
    for secret in (reference, "Go to an emergency department now",
                   "numbness or tingling around your genitals"):
        assert secret not in body


def test_the_handout_and_the_doctor_summary_hang_off_the_same_address(web):
    address, reference, _token = send(web, form_answers(VIGNETTES["chronic-medium-risk"]["intake"]))
    result = web.get(address).get_data(as_text=True)
    assert f'href="{address}/handout"' in result and f'href="{address}/doctor"' in result
    for view in ("handout", "doctor"):
        page = web.get(f"{address}/{view}")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        html = page.get_data(as_text=True)
        assert reference in html and "Summary for your doctor" in html


def test_after_delete_the_address_says_no_longer_available(app, web, runner):
    address, reference, token = send(web)
    assert web.get(address).status_code == 200
    assert runner.invoke(args=["delete", reference]).exit_code == 0
    for view in ("", "/handout", "/doctor"):
        gone = web.get(address + view)
        assert gone.status_code == 404
        assert GONE in gone.get_data(as_text=True) and reference not in gone.get_data(as_text=True)
    with app.app_context():
        assert load_record(reference, token) is None


def test_the_address_works_until_retention_purges_the_record(app, web, runner):
    address, reference, _token = send(web)
    with app.app_context():
        db.session.execute(update(models.TriageRecord)
                           .values(created_at=utcnow() - timedelta(days=29)))
        db.session.commit()
    assert runner.invoke(args=["purge", "--days", "30"]).exit_code == 0
    assert web.get(address).status_code == 200  # 29 days old: still kept
    with app.app_context():
        db.session.execute(update(models.TriageRecord)
                           .values(created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
    assert runner.invoke(args=["purge", "--days", "30"]).exit_code == 0
    assert web.get(address).status_code == 404


def test_load_record_needs_the_reference_and_the_token(app, web):
    _address, reference, token = send(web)
    with app.app_context():
        assert load_record(reference, token).reference == reference
        other_case = token.swapcase() if token != token.swapcase() else token[::-1]
        assert load_record(reference, other_case) is None
        assert load_record(reference, "") is None
        assert load_record("", token) is None
        assert load_record(reference.replace("ST-", "XX-"), token) is None


def test_a_record_made_through_the_api_has_no_address(app, client, intake):
    reference = client.post("/api/v1/triage", json=intake).get_json()["id"]
    with app.app_context():
        assert db.session.scalar(select(models.TriageRecord.access_hash)) is None
        # No token, however well formed, opens a record that was never given one.
        assert load_record(reference, "A" * 32) is None
    assert client.get(f"/result/{reference}/{'A' * 32}").status_code == 404
