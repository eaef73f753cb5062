"""The example files docs/interop.md posts still give the outcomes it shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.service.interop.helpers import fetch_questionnaire, post_response

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def example(client, name: str) -> dict:
    q = fetch_questionnaire(client)
    text = (EXAMPLES / name).read_text("utf-8")
    return json.loads(text.replace("@QUESTIONNAIRE@", f"{q['url']}|{q['version']}"))


@pytest.mark.parametrize("name, level", [("response-cauda-equina.json", "emergency"),
                                         ("response-flag-free.json", "self_care")])
def test_example_responses(client, name, level):
    bundle = post_response(client, example(client, name)).get_json()
    params = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Parameters")
    assert params["parameter"][1]["valueCoding"]["code"] == level


def test_example_patient_view_is_critical(app, client):
    app.config["CDS_HOOKS_INSECURE_NO_AUTH"] = True
    response = client.post("/cds-services/sciatica-triage",
                           json=example(client, "patient-view-cauda-equina.json"))
    assert response.get_json()["cards"][0]["indicator"] == "critical"
