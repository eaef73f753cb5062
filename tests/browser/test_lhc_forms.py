"""A third-party FHIR client: NLM's LHC-Forms renders our Questionnaire, a patient fills it.

LHC-Forms (npm `lforms`) is fetched at test setup into .cache/ (never committed) and
served, with a page that loads it, from a local HTTP server of its own. The test fetches
our Questionnaire from the running service, hands it to `LForms.Util.addFormToPage`,
answers the questions by clicking and typing as a patient would, exports the response
with `LForms.Util.getFormFHIRData`, and posts that response to the service.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.lforms import Unavailable, lforms_dist, page_html

pytestmark = pytest.mark.browser
FHIR_JSON = "application/fhir+json"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test output stays readable
        pass


@pytest.fixture(scope="session")
def lforms_site(tmp_path_factory):
    """The URL of a page that loads LHC-Forms, on a local static server."""
    try:
        dist = lforms_dist()
    except Unavailable as reason:
        pytest.skip(f"LHC-Forms could not be installed from npm: {reason}")
    root = tmp_path_factory.mktemp("lforms-site")
    (root / "lforms").symlink_to(dist, target_is_directory=True)
    (root / "index.html").write_text(page_html(), "utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="lforms-site", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/index.html"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def http(url: str, body: dict | None = None) -> tuple[int, dict]:
    """GET (or POST `body` to) `url` as a FHIR client: (status, JSON)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={
        "Accept": FHIR_JSON, **({"Content-Type": FHIR_JSON} if data else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def texts(items: list[dict]) -> dict[str, str]:
    """Each linkId's question text, as the patient reads it."""
    found = {}
    for item in items:
        found[item["linkId"]] = item["text"]
        found.update(texts(item.get("item", [])))
    return found


class Patient:
    """Answers LHC-Forms' rendering of our questions the way a person does."""

    def __init__(self, page, questionnaire: dict):
        self.page = page
        self.text = texts(questionnaire["item"])
        self.options = {}
        for item in _all(questionnaire["item"]):
            for option in item.get("answerOption", []):
                self.options[(item["linkId"], option["valueCoding"]["code"])] = option[
                    "valueCoding"]["display"]

    def _name(self, link_id: str):
        return re.compile(rf"^\s*{re.escape(self.text[link_id])}( \*)?\s*$")

    def question(self, link_id: str):
        return self.page.get_by_role("radiogroup", name=self._name(link_id))

    def choose(self, link_id: str, code: str) -> None:
        # LHC-Forms shows a scored option's score after it: "Very much - 1".
        label = re.compile(rf"^{re.escape(self.options[(link_id, code)])}( - \d+)?$")
        self.question(link_id).get_by_role("radio", name=label).click()

    def yes_no(self, link_id: str, yes: bool) -> None:
        self.question(link_id).get_by_role("radio", name="Yes" if yes else "No",
                                           exact=True).click()

    def type(self, link_id: str, number: int) -> None:
        box = self.page.get_by_role("textbox", name=self._name(link_id))
        box.fill(str(number))
        box.press("Tab")

    def answer(self, answers: dict) -> None:
        for link_id, value in answers.items():
            if isinstance(value, bool):
                self.yes_no(link_id, value)
            elif isinstance(value, int):
                self.type(link_id, value)
            else:
                self.choose(link_id, value)


def _all(items: list[dict]):
    for item in items:
        yield item
        yield from _all(item.get("item", []))


SAFETY_NO = {name: False for name in (
    "sexual_dysfunction", "fever", "iv_drug_use", "immunosuppressed", "recent_infection",
    "cancer_history", "unexplained_weight_loss", "night_pain", "thoracic_pain",
    "major_trauma", "minor_trauma", "osteoporosis", "long_term_steroids")}

# The public vignette ces-saddle-bladder: numb when wiping, trouble starting to pass urine.
CAUDA_EQUINA = {
    "age": 42, "sex": "female", "days_since_onset": 5, "pain_score": 5,
    "leg_pain": "both_legs", "buttock_pain_sitting": False, "hamstring_tightness": False,
    "saddle_numbness": True, "bladder_bowel_change": True, "leg_weakness": "none",
    **SAFETY_NO, "walking_minutes": 20}

# A flag-free sciatica, with the STarT Back questions answered too.
FLAG_FREE = {
    "age": 38, "sex": "male", "days_since_onset": 12, "pain_score": 6,
    "leg_pain": "below_knee", "buttock_pain_sitting": True, "hamstring_tightness": True,
    "saddle_numbness": False, "bladder_bowel_change": False, "leg_weakness": "none",
    **SAFETY_NO, "walking_minutes": 15,
    "start_back.q1": True, "start_back.q2": False, "start_back.q3": True,
    "start_back.q4": False, "start_back.q5": False, "start_back.q6": True,
    "start_back.q7": False, "start_back.q8": False, "start_back.q9": "moderately"}


@pytest.fixture
def rendered(page, live_server, lforms_site):
    """Our Questionnaire rendered by LHC-Forms: (the page, the Questionnaire)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    status, questionnaire = http(live_server.path("/fhir/Questionnaire/sciatica-intake"))
    assert status == 200
    page.goto(lforms_site)
    page.wait_for_function("() => window.LForms && LForms.Util && LForms.Util.addFormToPage"
                           " && LForms.Util.getFormFHIRData", timeout=30_000)
    page.evaluate("q => LForms.Util.addFormToPage(q, 'form')", questionnaire)
    page.get_by_text(questionnaire["item"][0]["text"], exact=True).first.wait_for()
    return page, questionnaire


def export(page) -> dict:
    """LHC-Forms' own QuestionnaireResponse for what is on the form."""
    return page.evaluate("() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', "
                         "document.getElementById('form'))")


def triage_level(bundle: dict) -> str:
    params = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Parameters")
    return next(p["valueCoding"]["code"] for p in params["parameter"]
                if p["name"] == "triage_level")


def test_a_cauda_equina_case_filled_in_lhc_forms_is_an_emergency(rendered, live_server):
    page, questionnaire = rendered
    Patient(page, questionnaire).answer(CAUDA_EQUINA)
    response = export(page)
    assert response["questionnaire"].endswith(f"|{questionnaire['version']}")
    status, bundle = http(live_server.path("/fhir/QuestionnaireResponse/$triage"), response)
    assert status == 200, bundle
    assert triage_level(bundle) == "emergency"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert "ServiceRequest" in kinds and "CarePlan" not in kinds


def test_a_flag_free_case_filled_in_lhc_forms_gets_a_routine(rendered, live_server):
    page, questionnaire = rendered
    patient = Patient(page, questionnaire)
    follow_up = page.get_by_role("textbox", name=patient._name("cancer_years_ago"))
    assert follow_up.count() == 0  # asked only after "yes" to a cancer history
    patient.yes_no("cancer_history", True)
    follow_up.wait_for()
    patient.yes_no("cancer_history", False)
    follow_up.wait_for(state="detached")
    patient.answer(FLAG_FREE)
    response = export(page)
    scores = {i["linkId"]: i["answer"][0]["valueInteger"] for i in _all(response["item"])
              if i["linkId"] in ("start_back.total", "start_back.psychosocial")}
    assert scores == {"start_back.total": 3, "start_back.psychosocial": 1}  # LHC-Forms' sums
    status, bundle = http(live_server.path("/fhir/QuestionnaireResponse/$triage"), response)
    assert status == 200, bundle
    assert triage_level(bundle) == "self_care"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert "CarePlan" in kinds and "RiskAssessment" not in kinds
