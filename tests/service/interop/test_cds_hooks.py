"""CDS Hooks 2.0 contract: discovery, patient-view cards, 412, feedback, and the JWT.

The request and feedback bodies follow the examples of the CDS Hooks specification
(https://cds-hooks.hl7.org/2.0/), with our prefetch key and a QuestionnaireResponse.
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select

from service import close_app, create_app
from service.extensions import db
from service.interop.auth import load_issuers
from service.store.models import AuditEntry
from tests.service.interop.helpers import (
    fetch_questionnaire,
    response_for,
    stored_count,
    validate_resource,
)

SERVICE = "/cds-services/sciatica-triage"
ISSUER = "https://fhir-ehr.example.org"
INDICATORS = {"info", "warning", "critical"}


def es384_key():
    return ec.generate_private_key(ec.SECP384R1())


def jwks_of(private_key, kid: str = "ehr-1") -> dict:
    algorithm = jwt.algorithms.ECAlgorithm if isinstance(
        private_key, ec.EllipticCurvePrivateKey) else jwt.algorithms.RSAAlgorithm
    jwk = json.loads(algorithm.to_jwk(private_key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "use": "sig"}]}


@pytest.fixture
def ehr_key():
    return es384_key()


@pytest.fixture
def cds_app(app, ehr_key):
    """The app trusting one EHR, as CDS_HOOKS_JWKS would configure it."""
    app.config["CDS_HOOKS_ISSUERS"] = load_issuers(json.dumps({ISSUER: jwks_of(ehr_key)}))
    return app


def token(key, endpoint: str = SERVICE, issuer: str = ISSUER, lifetime: int = 300,
          algorithm: str = "ES384", kid: str = "ehr-1", **claims) -> str:
    now = int(time.time())
    payload = {"iss": issuer, "sub": "client-app-1", "aud": f"http://localhost{endpoint}",
               "iat": now, "exp": now + lifetime, "jti": str(uuid.uuid4()), **claims}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


def call(client, body: dict, key, endpoint: str = SERVICE, **token_args):
    bearer = token(key, endpoint, **token_args)
    return client.post(endpoint, json=body, headers={"Authorization": f"Bearer {bearer}"})


def hook_request(prefetched) -> dict:
    """The specification's patient-view example, with our prefetch."""
    body = {"hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "fhirServer": "http://hooks.smarthealthit.org:9080", "hook": "patient-view",
            "context": {"userId": "Practitioner/example", "patientId": "1288992"}}
    if prefetched is not None:
        body["prefetch"] = {"questionnaireResponse": prefetched}
    return body


@pytest.fixture
def answers(client):
    """A QuestionnaireResponse for given intake answers."""
    questionnaire = fetch_questionnaire(client)
    return lambda intake, **extra: response_for(questionnaire, intake, **extra)


def test_discovery_lists_the_patient_view_service(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    (service,) = response.get_json()["services"]
    assert {"hook", "id", "description"} <= set(service)
    assert service["hook"] == "patient-view" and service["id"] == "sciatica-triage"
    template = service["prefetch"]["questionnaireResponse"]
    assert template.startswith("QuestionnaireResponse?subject={{context.patientId}}")
    assert fetch_questionnaire(client)["url"] in template


def test_a_cauda_equina_case_gets_a_critical_card(cds_app, client, ehr_key, answers,
                                                 vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    response = call(client, hook_request(answers(ces["intake"])), ehr_key)
    assert response.status_code == 200, response.get_json()
    (card,) = response.get_json()["cards"]
    check_card(card)
    assert card["indicator"] == "critical"
    assert "emergency" in card["summary"].lower()
    assert "ces_saddle_numbness" in card["detail"] and "ces_bladder_bowel_change" in card["detail"]
    assert card["source"]["label"] == "sciatica-triage, ruleset version 1"
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    assert action["type"] == "create"
    request = action["resource"]
    validate_resource(request)
    assert request["resourceType"] == "ServiceRequest" and request["priority"] == "stat"
    assert request["subject"] == {"reference": "Patient/1288992"}
    assert card["selectionBehavior"] == "at-most-one"
    assert stored_count(cds_app) == 1  # triaged through the same path, and stored


def check_card(card: dict) -> None:
    """The fields CDS Hooks 2.0 requires of a card, with their types."""
    uuid.UUID(card["uuid"])
    assert isinstance(card["summary"], str) and 0 < len(card["summary"]) < 140
    assert card["indicator"] in INDICATORS
    assert card["source"]["label"] and card["source"]["url"].startswith("http")
    assert card["detail"].strip()
    for link in card.get("links", []):
        assert link["type"] in ("absolute", "smart") and link["label"] and link["url"]
    for suggestion in card.get("suggestions", []):
        assert suggestion["label"] and "selectionBehavior" in card
        uuid.UUID(suggestion["uuid"])
        assert all(a["type"] in ("create", "update", "delete") and a["description"]
                   for a in suggestion["actions"])
    for reason in card.get("overrideReasons", []):
        assert reason["code"] and reason["system"] and reason["display"]


@pytest.mark.parametrize("vignette_id, indicator", [
    ("ces-bilateral-weakness", "critical"), ("major-trauma", "critical"),
    ("progressive-foot-drop", "warning"), ("infection-ivdu-fever", "warning"),
    ("chronic-medium-risk", "info"), ("piriformis", "info")])
def test_indicator_follows_the_level(cds_app, client, ehr_key, answers, vignettes,
                                     vignette_id, indicator):
    vignette = next(v for v in vignettes if v["id"] == vignette_id)
    (card,) = call(client, hook_request(answers(vignette["intake"])), ehr_key).get_json()["cards"]
    check_card(card)
    assert card["indicator"] == indicator
    assert ("suggestions" in card) == (vignette_id != "piriformis")  # self-care: no referral


def test_the_latest_response_in_a_search_bundle_is_used(cds_app, client, ehr_key, answers,
                                                       intake, vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    search = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": answers(intake, authored="2026-11-01T10:00:00Z")},
        {"resource": answers(ces["intake"], authored="2026-11-20T09:00:00Z")},
    ]}
    (card,) = call(client, hook_request(search), ehr_key).get_json()["cards"]
    assert card["indicator"] == "critical"


@pytest.mark.parametrize("prefetched", [
    None, {"resourceType": "Bundle", "type": "searchset", "total": 0}, "not a resource"])
def test_412_without_a_prefetched_response(cds_app, client, ehr_key, prefetched):
    body = hook_request(prefetched)
    if prefetched is None:
        body["prefetch"] = {"questionnaireResponse": None}
    response = call(client, body, ehr_key)
    assert response.status_code == 412
    assert "questionnaireResponse" in response.get_json()["issue"][0]["diagnostics"]
    assert stored_count(cds_app) == 0
    no_prefetch = hook_request(None)
    assert call(client, no_prefetch, ehr_key).status_code == 412


def test_a_bad_prefetched_response_is_a_4xx_naming_the_item(cds_app, client, ehr_key,
                                                           answers, intake):
    intake["age"] = 130
    response = call(client, hook_request(answers(intake)), ehr_key)
    assert response.status_code == 422
    assert response.get_json()["issue"][0]["diagnostics"].startswith("age:")
    assert stored_count(cds_app) == 0


def test_the_card_links_to_the_result_page(cds_app, client, ehr_key, answers, vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    (card,) = call(client, hook_request(answers(ces["intake"])), ehr_key).get_json()["cards"]
    (link,) = card["links"]
    page = client.get(link["url"].removeprefix("http://localhost"))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "emergency department" in page.get_data(as_text=True)
    reference = card["summary"].rsplit("(", 1)[1].rstrip(")")
    assert reference in page.get_data(as_text=True)
    forged = link["url"].removeprefix("http://localhost")[:-3] + "abc"
    assert client.get(forged).status_code == 404


def feedback_body(card_id: str, outcome: str, **extra) -> dict:
    """The specification's feedback example."""
    return {"feedback": [{"card": card_id, "outcome": outcome,
                          "outcomeTimestamp": "2026-11-29T03:00:00Z", **extra}]}


def test_feedback_is_stored_in_the_audit(cds_app, client, ehr_key, answers, vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    (card,) = call(client, hook_request(answers(ces["intake"])), ehr_key).get_json()["cards"]
    accepted = feedback_body(card["uuid"], "accepted", acceptedSuggestions=[
        {"id": card["suggestions"][0]["uuid"]}])
    overridden = feedback_body(card["uuid"], "overridden", overrideReason={
        "reason": card["overrideReasons"][0], "userComment": "Seen in clinic this morning"})
    for body in (accepted, overridden):
        response = call(client, body, ehr_key, endpoint=f"{SERVICE}/feedback")
        assert response.status_code == 200, response.get_json()
    with cds_app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "cds-feedback").order_by(AuditEntry.id)).all()
    reference = card["summary"].rsplit("(", 1)[1].rstrip(")")
    assert [e.entity_key for e in entries] == [reference, reference]
    assert entries[0].after["outcome"] == "accepted"
    assert entries[0].after["acceptedSuggestions"] == [{"id": card["suggestions"][0]["uuid"]}]
    assert entries[1].after["overrideReason"]["userComment"] == "Seen in clinic this morning"
    assert entries[1].after["overrideReason"]["reason"]["code"] == "already-assessed"
    assert entries[0].actor == f"cds:{ISSUER}:client-app-1"


@pytest.mark.parametrize("body", [
    {"feedback": [{"card": str(uuid.uuid4()), "outcome": "accepted",
                   "outcomeTimestamp": "2026-11-29T03:00:00Z"}]},
    {"feedback": [{"card": "x", "outcome": "accepted"}]},
    {"feedback": [{"card": str(uuid.uuid4()), "outcome": "ignored",
                   "outcomeTimestamp": "2026-11-29T03:00:00Z"}]},
    {"feedback": []}, {}])
def test_bad_feedback_is_refused_and_nothing_stored(cds_app, client, ehr_key, body):
    response = call(client, body, ehr_key, endpoint=f"{SERVICE}/feedback")
    assert response.status_code in (400, 404)
    with cds_app.app_context():
        assert db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "cds-feedback")).all() == []


@pytest.mark.parametrize("problem", [
    "no token", "not a JWT", "untrusted issuer", "another key", "wrong audience", "expired",
    "lives too long", "HS256 shared secret", "unsigned", "no jti", "RSA key under the EC kid"])
def test_a_bad_token_is_refused(cds_app, client, ehr_key, answers, intake, problem):
    body = hook_request(answers(intake))
    headers = {}
    if problem != "no token":
        bearer = {
            "not a JWT": lambda: "abc.def",
            "untrusted issuer": lambda: token(ehr_key, issuer="https://evil.example.org"),
            "another key": lambda: token(es384_key()),
            "wrong audience": lambda: token(ehr_key, endpoint="/cds-services/other"),
            "expired": lambda: token(ehr_key, iat=int(time.time()) - 900,
                                     exp=int(time.time()) - 600),
            "lives too long": lambda: token(ehr_key, lifetime=3600),
            "HS256 shared secret": lambda: jwt.encode(
                {"iss": ISSUER, "aud": f"http://localhost{SERVICE}"}, "s" * 64,
                algorithm="HS256"),
            "unsigned": lambda: jwt.encode(
                {"iss": ISSUER, "aud": f"http://localhost{SERVICE}"}, None, algorithm="none"),
            "no jti": lambda: token(ehr_key, jti=None),
            "RSA key under the EC kid": lambda: token(
                rsa.generate_private_key(public_exponent=65537, key_size=2048),
                algorithm="RS384"),
        }[problem]()
        headers["Authorization"] = f"Bearer {bearer}"
    response = client.post(SERVICE, json=body, headers=headers)
    assert response.status_code == 401, response.get_json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored_count(cds_app) == 0


def test_an_rs384_token_from_a_second_issuer_is_accepted(cds_app, client, answers, intake):
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cds_app.config["CDS_HOOKS_ISSUERS"]["https://other-ehr.example.org"] = jwks_of(rsa_key, "r1")
    response = call(client, hook_request(answers(intake)), rsa_key, algorithm="RS384",
                    kid="r1", issuer="https://other-ehr.example.org")
    assert response.status_code == 200, response.get_json()


def test_feedback_needs_a_token_too(cds_app, client):
    response = client.post(f"{SERVICE}/feedback", json=feedback_body(str(uuid.uuid4()),
                                                                     "accepted"))
    assert response.status_code == 401


def test_issuers_and_the_local_testing_switch_come_from_the_environment(monkeypatch, tmp_path,
                                                                       ehr_key):
    monkeypatch.setenv("CDS_HOOKS_JWKS", json.dumps({ISSUER: jwks_of(ehr_key)}))
    monkeypatch.delenv("CDS_HOOKS_INSECURE_NO_AUTH", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'env.db'}",
                      "SECRET_KEY": "t"})
    try:
        assert set(app.config["CDS_HOOKS_ISSUERS"]) == {ISSUER}
        assert app.config["CDS_HOOKS_INSECURE_NO_AUTH"] is False  # off unless set
    finally:
        close_app(app)
    for bad in ('{"https://x": "not a key set"}', '{"https://x": {"keys": [{"kty": "EC"}]}}'):
        monkeypatch.setenv("CDS_HOOKS_JWKS", bad)
        with pytest.raises(ValueError, match="CDS_HOOKS_JWKS"):
            create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bad.db'}",
                        "SECRET_KEY": "t"})


def test_local_testing_without_tokens_is_an_explicit_setting(app, client, answers, intake):
    body = hook_request(answers(intake))
    assert client.post(SERVICE, json=body).status_code == 401
    app.config["CDS_HOOKS_INSECURE_NO_AUTH"] = True
    assert client.post(SERVICE, json=body).status_code == 200


def test_feedback_shows_in_the_clinician_panels_audit_log(cds_app, client, ehr_key, answers,
                                                          vignettes):
    from tests.admin.conftest import add_users, signed_in
    from tests.admin.helpers import page_text

    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    (card,) = call(client, hook_request(answers(ces["intake"])), ehr_key).get_json()["cards"]
    body = feedback_body(card["uuid"], "overridden", overrideReason={
        "userComment": "Seen in clinic this morning"})
    assert call(client, body, ehr_key, endpoint=f"{SERVICE}/feedback").status_code == 200
    cds_app.config["WTF_CSRF_ENABLED"] = False
    add_users(cds_app)
    page = page_text(signed_in(cds_app, "viewer").get("/admin/auditentry/"))
    reference = card["summary"].rsplit("(", 1)[1].rstrip(")")
    assert "cds-feedback" in page and reference in page and "overridden" in page
