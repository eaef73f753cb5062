"""Schemathesis against the service's own OpenAPI document: no 5xx, responses as documented.

Hundreds of generated requests per operation, valid and invalid. (Schemathesis's pytest
plugin does not load under pytest 9, so its Python API drives Hypothesis here.)
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import func, select

from service.extensions import db
from service.store.models import TriageRecord

RELAXED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
OPERATIONS = [("POST", "/api/v1/triage"), ("GET", "/api/v1/questionnaire"),
              ("GET", "/api/v1/exercises"), ("GET", "/healthz"),
              ("GET", "/fhir/Questionnaire/sciatica-intake"),
              ("POST", "/fhir/QuestionnaireResponse/$triage"), ("GET", "/cds-services"),
              ("POST", "/cds-services/sciatica-triage"),
              ("POST", "/cds-services/sciatica-triage/feedback"),
              ("POST", "/api/v1/results/{reference}/checkins"),
              ("GET", "/api/v1/results/{reference}/checkins")]


# A QuestionnaireResponse or a CDS Hooks call can match its documented shape and still be
# refused: whether its answers fit our Questionnaire (or its card was ours) is not
# something a JSON schema can say. For these, "schema-valid means accepted" is not checked.
LOOSE_BODIES = {("POST", "/fhir/QuestionnaireResponse/$triage"),
                ("POST", "/cds-services/sciatica-triage"),
                ("POST", "/cds-services/sciatica-triage/feedback")}


def operation(app, method, path):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)[path][method]


def test_every_documented_operation_is_fuzzed(app):
    api = schemathesis.openapi.from_wsgi("/openapi.json", app)
    documented = {(op.ok().method.upper(), op.ok().path) for op in api.get_all_operations()}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_operation_conforms_to_its_schema(app, method, path):
    strategy = operation(app, method, path).as_strategy()

    @given(case=strategy)
    @settings(max_examples=200 if method == "POST" else 20, deadline=None,
              suppress_health_check=RELAXED, database=None)
    def run(case):
        excluded = [positive_data_acceptance] if (method, path) in LOOSE_BODIES else []
        response = case.call_and_validate(excluded_checks=excluded)
        assert response.status_code < 500

    run()


def test_invalid_generated_intakes_are_refused_and_never_stored(app):
    strategy = operation(app, "POST", "/api/v1/triage").as_strategy(
        schemathesis.GenerationMode.NEGATIVE)

    @given(case=strategy)
    @settings(max_examples=200, deadline=None, suppress_health_check=RELAXED, database=None)
    def run(case):
        response = case.call()
        assert 400 <= response.status_code < 500, (case.body, response.text)

    run()
    with app.app_context():
        assert db.session.scalar(select(func.count(TriageRecord.id))) == 0
