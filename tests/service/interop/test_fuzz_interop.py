"""Generated bodies against the FHIR and CDS Hooks endpoints: never a 5xx, nothing stored."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from service.extensions import db
from service.store.models import AuditEntry
from tests.service.interop.helpers import stored_count

RELAXED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def strategy(app, method: str, path: str, mode=schemathesis.GenerationMode.NEGATIVE):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)[path][method].as_strategy(mode)


def test_invalid_responses_are_refused_and_never_stored(app):
    @given(case=strategy(app, "POST", "/fhir/QuestionnaireResponse/$triage"))
    @settings(max_examples=150, deadline=None, suppress_health_check=RELAXED, database=None)
    def run(case):
        response = case.call()
        assert 400 <= response.status_code < 500, (case.body, response.text)

    run()
    assert stored_count(app) == 0


@pytest.mark.parametrize("path", ["/cds-services/sciatica-triage",
                                  "/cds-services/sciatica-triage/feedback"])
@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE,
                                  schemathesis.GenerationMode.NEGATIVE])
def test_cds_calls_past_the_token_check_never_fail(app, path, mode):
    """With tokens switched off, generated hook calls and feedback reach the parsing."""
    app.config["CDS_HOOKS_INSECURE_NO_AUTH"] = True

    @given(case=strategy(app, "POST", path, mode))
    @settings(max_examples=100, deadline=None, suppress_health_check=RELAXED, database=None)
    def run(case):
        response = case.call()
        assert 400 <= response.status_code < 500, (case.body, response.text)

    run()
    assert stored_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "cds-feedback")) == 0
