"""Every public clinical vignette, through the HTTP API: the safe answer, every time."""

import pytest

from service.triage.outcome import Outcome
from service.triage.vignettes import expectation_problems
from tests.conftest import PUBLIC_VIGNETTES


@pytest.mark.parametrize("vignette", PUBLIC_VIGNETTES, ids=[v["id"] for v in PUBLIC_VIGNETTES])
def test_public_vignette_through_the_api(client, vignette):
    response = client.post("/api/v1/triage", json=vignette["intake"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["triage_level"] in vignette["expect"]["levels"], body["reasons"]
    assert expectation_problems(vignette["expect"], Outcome.model_validate(body)) == []


def test_the_vignette_checker_catches_a_wrong_answer(client, vignettes):
    """The expectations above would fail if the service answered unsafely."""
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    routine_case = next(v for v in vignettes if v["id"] == "piriformis")
    routine_body = client.post("/api/v1/triage", json=routine_case["intake"]).get_json()
    problems = expectation_problems(ces["expect"], Outcome.model_validate(routine_body))
    assert any("told “Home care”" in p for p in problems)
    assert "a routine was given" in problems
