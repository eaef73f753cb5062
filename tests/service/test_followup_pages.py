"""Check-ins over HTTP: the pages submitted as rendered, the JSON API, and privacy."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from service.extensions import db
from service.followup.models import Checkin
from service.patient.web_form import form_answers
from service.store import models
from service.store.privacy import erase, export, purge_older_than
from service.triage.questionnaire import questionnaire
from tests.service.followup_helpers import START, week

ADDRESS = re.compile(r"/result/(ST-[0-9A-Z]{4}-[0-9A-Z]{4})/([A-Za-z0-9_-]{32,})$")


class Form(HTMLParser):
    """The controls of a rendered form: radio groups with their values, text inputs."""

    def __init__(self, html: str):
        super().__init__()
        self.radios: dict[str, list[str]] = {}
        self.texts: list[str] = []
        self.hidden: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag != "input":
            return
        if a.get("type") == "radio":
            self.radios.setdefault(a["name"], []).append(a["value"])
        elif a.get("type") == "hidden":
            self.hidden[a["name"]] = a["value"]
        else:
            self.texts.append(a["name"])


@pytest.fixture
def web(app):
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["CHECKIN_MIN_DAYS"] = 0  # each check-in here stands for a week gone by
    return app.test_client()


def start_course(client, **changes) -> tuple[str, str]:
    """Answer the intake form as a patient would; (reference, token) of the result."""
    html = client.get("/").get_data(as_text=True)
    data = MultiDict(form_answers(START | changes))
    data["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/", data=data)
    assert response.status_code == 303
    return ADDRESS.search(response.headers["Location"]).groups()


def check_in(client, reference, token, **answers):
    """Fill in the check-in form as rendered: every question shown gets an answer."""
    page = client.get(f"/result/{reference}/{token}/checkin")
    assert page.status_code == 200
    form = Form(page.get_data(as_text=True))
    data = MultiDict(form.hidden)
    for name, values in form.radios.items():
        value = str(answers.pop(name, "no" if "no" in values else "none"))
        value = {"True": "yes", "False": "no"}.get(value, value)
        assert value in values, f"{name}: {value} is not offered ({values})"
        data[name] = value
    for name in form.texts:
        data[name] = str(answers.pop(name, ""))  # optional ones (years since cancer) blank
    assert not answers, f"questions not on the form: {answers}"
    return client.post(f"/result/{reference}/{token}/checkin", data=data)


def progress(client, reference, token) -> str:
    response = client.get(f"/result/{reference}/{token}/progress")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def walking_target(html: str) -> int:
    return int(re.search(r"Walk <strong>(\d+) minutes a day", html).group(1))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_the_check_in_asks_every_safety_question_of_the_intake(web):
    reference, token = start_course(web)
    form = Form(web.get(f"/result/{reference}/{token}/checkin").get_data(as_text=True))
    safety = [q["id"] for q in questionnaire()["questions"] if q["section"] == "safety"]
    asked = set(form.radios) | set(form.texts)
    assert set(safety) <= asked
    assert form.radios["pain_now"] == [str(n) for n in range(11)]
    assert "piriformis_stretch" in form.radios["spreading_exercise"]


def test_an_improving_course_steps_up_and_the_chart_moves(app, web):
    reference, token = start_course(web)
    result = web.get(f"/result/{reference}/{token}").get_data(as_text=True)
    assert f"/result/{reference}/{token}/progress" in result
    assert walking_target(progress(web, reference, token)) == 10
    for pain, minutes, expected in [(5, 10, 15), (4, 15, 20), (3, 20, 25)]:
        response = check_in(web, reference, token, pain_now=pain, walking_minutes=minutes,
                            exercise_days=5)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/result/{reference}/{token}/progress")
        html = progress(web, reference, token)
        assert walking_target(html) == expected
    assert html.count('class="point point--pain"') == 4  # the start and three weeks
    assert "<svg" in html and "<table" in html and "Next check-in" in html
    assert count(app, Checkin) == 3


def test_worse_twice_is_told_to_see_a_physiotherapist(web):
    reference, token = start_course(web)
    check_in(web, reference, token, pain_now=8, walking_minutes=10, exercise_days=4)
    check_in(web, reference, token, pain_now=8, walking_minutes=10, exercise_days=4)
    html = progress(web, reference, token)
    assert 'data-triage-level="consultation"' in html
    assert "physiotherapist" in html and walking_target(html) == 15  # held, not stepped


def test_new_saddle_numbness_at_week_3_is_sent_to_a_and_e_and_check_ins_stop(web):
    reference, token = start_course(web)
    check_in(web, reference, token, pain_now=5, walking_minutes=10, exercise_days=5)
    check_in(web, reference, token, pain_now=4, walking_minutes=15, exercise_days=5)
    check_in(web, reference, token, pain_now=4, walking_minutes=15, exercise_days=5,
             saddle_numbness="yes")
    html = progress(web, reference, token)
    assert 'data-triage-level="emergency"' in html
    assert "Go to an emergency department now" in html and "Next check-in" not in html
    again = web.get(f"/result/{reference}/{token}/checkin")
    assert again.status_code == 303  # no form: the course has stopped


def test_a_missing_answer_shows_the_form_again_and_stores_nothing(app, web):
    reference, token = start_course(web)
    page = web.get(f"/result/{reference}/{token}/checkin").get_data(as_text=True)
    data = {"csrf_token": Form(page).hidden["csrf_token"], "pain_now": "4"}
    response = web.post(f"/result/{reference}/{token}/checkin", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Some answers need your attention" in html and 'value="4" checked' in html
    assert "saddle_numbness" in html
    assert count(app, Checkin) == 0


@pytest.mark.parametrize("path", ["checkin", "progress"])
def test_a_wrong_token_is_404(web, path):
    reference, token = start_course(web)
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for address in (f"/result/{reference}/{wrong}/{path}", f"/result/{reference}/{path}"):
        response = web.get(address)
        assert response.status_code == 404
        assert "This result is no longer available" in response.get_data(as_text=True)
    assert web.post(f"/result/{reference}/{wrong}/checkin", data={}).status_code in (400, 404)


def api_checkin(client, reference, token, answers):
    return client.post(f"/api/v1/results/{reference}/checkins", json=answers,
                       headers={"X-Result-Token": token})


def test_the_api_takes_a_check_in_and_gives_the_history(web):
    reference, token = start_course(web)
    response = api_checkin(web, reference, token, week(5, 10))
    assert response.status_code == 200
    body = response.get_json()
    assert body["triage_level"] == "self_care" and body["plan"]["walking_minutes"] == 15
    assert body["next_checkin"]
    again = api_checkin(web, reference, token, week(7, 10, saddle_numbness=True))
    assert again.get_json()["triage_level"] == "emergency"
    assert again.get_json()["plan"] is None
    history = web.get(f"/api/v1/results/{reference}/checkins",
                      headers={"X-Result-Token": token}).get_json()
    assert [c["week"] for c in history["checkins"]] == [1, 2]
    assert history["open"] is False and history["closed_because"] == "referred"
    closed = api_checkin(web, reference, token, week(5, 10))
    assert closed.status_code == 409


def test_the_api_refuses_bad_answers_naming_the_field_and_wrong_tokens(app, web):
    reference, token = start_course(web)
    bad = week(5, 10) | {"pain_now": 11}
    del bad["saddle_numbness"]
    response = api_checkin(web, reference, token, bad)
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"pain_now", "saddle_numbness"}
    response = api_checkin(web, reference, token, week(5, 10, spreading_exercise="yoga"))
    assert response.status_code == 422 and "spreading_exercise" in response.get_json()["fields"]
    assert api_checkin(web, reference, "x" * 32, week(5, 10)).status_code == 404
    assert web.get(f"/api/v1/results/{reference}/checkins").status_code == 404
    assert count(app, Checkin) == 0


def test_the_api_is_documented(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    operations = paths["/api/v1/results/{reference}/checkins"]
    assert {"get", "post"} <= set(operations)
    assert any(p["name"] == "X-Result-Token" for p in operations["post"]["parameters"])


def test_export_delete_and_purge_cover_check_ins(app, web):
    reference, token = start_course(web)
    api_checkin(web, reference, token, week(5, 10))
    api_checkin(web, reference, token, week(4, 15))
    with app.app_context():
        exported = export(reference)
        assert [c["week"] for c in exported["checkins"]] == [1, 2]
        assert exported["checkins"][0]["answers"]["pain_now"] == 5
        json.dumps(exported)
        # Retention counts from the last check-in: an old intake with a recent one stays.
        db.session.execute(update(models.TriageRecord).values(
            created_at=models.utcnow() - timedelta(days=400)))
        db.session.commit()
        assert purge_older_than(365) == 0
        db.session.execute(update(Checkin).values(
            created_at=models.utcnow() - timedelta(days=380)))
        db.session.commit()
        assert purge_older_than(365) == 1
        assert db.session.scalar(select(func.count(Checkin.id))) == 0


def test_delete_erases_the_check_ins_and_the_address(app, web):
    reference, token = start_course(web)
    api_checkin(web, reference, token, week(5, 10))
    with app.app_context():
        assert erase(reference, "test")
        assert db.session.scalar(select(func.count(Checkin.id))) == 0
    assert web.get(f"/result/{reference}/{token}/progress").status_code == 404


def test_odd_check_in_bodies_get_a_4xx_never_a_500_and_store_nothing(app, web):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    reference, token = start_course(web)
    valid = week(5, 10)
    odd = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(),
                    st.text(max_size=20), st.lists(st.integers(), max_size=3))

    @given(changes=st.dictionaries(st.sampled_from([*valid, "extra"]), odd, min_size=1))
    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    def run(changes):
        body = valid | changes
        response = api_checkin(web, reference, token, body)
        if response.status_code == 200:  # the changes happened to be valid answers
            with app.app_context():
                db.session.execute(Checkin.__table__.delete())
                db.session.commit()
            return
        assert 400 <= response.status_code < 500, (body, response.get_data(as_text=True))
        assert "fields" in response.get_json()

    run()


def test_an_exercise_that_spread_the_pain_is_named_and_leaves_the_plan(web):
    reference, token = start_course(web)
    check_in(web, reference, token, pain_now=6, walking_minutes=10, exercise_days=5,
             spreading_exercise="piriformis_stretch")
    html = progress(web, reference, token)
    assert "Stop doing the\n        Piriformis stretch (lying down) exercise." in html
    plan = html.split('id="plan-title"')[1]
    assert "Piriformis stretch" not in plan.split("Stopped because")[0]


def test_a_check_in_sent_twice_for_one_week_is_stored_once(app, web):
    from service.followup.store import AlreadyCheckedIn, load_course, take_checkin
    from service.patient.result_access import load_record

    reference, token = start_course(web)
    with app.app_context():
        first = load_course(load_record(reference, token))
        second = load_course(load_record(reference, token))  # loaded before the first is sent
        take_checkin(first, week(5, 10))
        with pytest.raises(AlreadyCheckedIn):
            take_checkin(second, week(4, 10))
        assert db.session.scalar(select(func.count(Checkin.id))) == 1


def test_a_course_whose_answers_no_longer_read_is_unavailable_not_an_error(app, web):
    reference, token = start_course(web)
    with app.app_context():
        record = db.session.scalar(select(models.TriageRecord))
        record.intake = {**record.intake, "retired_question": True}
        db.session.commit()
    assert web.get(f"/result/{reference}/{token}/progress").status_code == 404
    assert api_checkin(web, reference, token, week(5, 10)).status_code == 404


def test_a_check_in_that_cannot_be_assessed_refers_to_a_doctor_without_a_plan(
        app, web, monkeypatch, caplog):
    import service.followup.store as store

    reference, token = start_course(web)

    def broken(*args, **kwargs):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(store, "assess_checkin", broken)
    body = api_checkin(web, reference, token, week(7, 10)).get_json()
    assert body["triage_level"] == "consultation" and body["plan"] is None
    assert body["referral"]["reasons"][0]["rule"] == "assessment-incomplete"
    assert count(app, Checkin) == 1
    assert "7" not in " ".join(r.getMessage() for r in caplog.records
                               if r.name.startswith("service.followup"))
    monkeypatch.undo()  # the next week is assessed again, from the last plan there was
    nxt = api_checkin(web, reference, token, week(5, 10)).get_json()
    assert nxt["week"] == 2 and nxt["plan"]["walking_minutes"] == 15


def test_a_check_in_sooner_than_a_week_is_triaged_but_does_not_step_the_plan_up(app, web):
    app.config.pop("CHECKIN_MIN_DAYS")  # the default: at least 6 days between check-ins
    reference, token = start_course(web)
    with app.app_context():  # the intake was a week ago
        db.session.execute(update(models.TriageRecord).values(
            created_at=models.utcnow() - timedelta(days=7)))
        db.session.commit()
    first = api_checkin(web, reference, token, week(5, 10)).get_json()
    assert first["early"] is False and first["plan"]["walking_minutes"] == 15
    second = api_checkin(web, reference, token, week(4, 15)).get_json()  # the same day
    assert second["early"] is True and second["plan"]["walking_minutes"] == 15
    assert "plan stays the same for now" in progress(web, reference, token)
    third = api_checkin(web, reference, token, week(4, 15, saddle_numbness=True)).get_json()
    assert third["triage_level"] == "emergency"  # early or not, a red flag is a red flag
