"""An intake is never answered by an engine loaded with another ruleset version."""

from __future__ import annotations

import pytest

from rules import EngineError
from rules.defaults import load_default_knowledge_base
from service.triage.intake import Intake
from service.triage.ruleset import LoadedVersion


def test_an_engine_answering_for_another_version_is_refused(intake):
    loaded = LoadedVersion(3, load_default_knowledge_base(), prefix="guard")
    try:
        loaded.version = 4  # what a mix-up of two versions in one process would look like
        with pytest.raises(EngineError, match="version 3, not 4"):
            loaded.assess(Intake.model_validate(intake), reference="GUARD")
    finally:
        loaded.close()


def test_an_engine_that_keeps_answering_for_another_version_fails_safe(client, intake,
                                                                       monkeypatch):
    def wrong(self, intake):
        raise EngineError(f"engine answered with version 7, not {self.version}")

    monkeypatch.setattr(LoadedVersion, "fired", wrong)
    body = client.post("/api/v1/triage", json=intake).get_json()
    assert body["triage_level"] == "consultation" and body["routine"] is None
    assert [r["rule"] for r in body["reasons"]] == ["assessment-incomplete"]
