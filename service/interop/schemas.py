"""Shapes of the FHIR and CDS Hooks bodies: for /openapi.json and for checking requests.

The FHIR resources are described loosely (their full schemas are the FHIR
specification's); the CDS Hooks request and feedback are checked with these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spectree import Response

FHIR_JSON = "application/fhir+json"


class FhirResponse(Response):
    """Responses documented in both JSON media types a FHIR client may ask for."""

    def generate_spec(self, *args, **kwargs) -> dict:
        responses = super().generate_spec(*args, **kwargs)
        for response in responses.values():
            content = response.get("content", {})
            if "application/json" in content:
                content[FHIR_JSON] = content["application/json"]
        return responses


class Resource(BaseModel):
    """A FHIR resource (R4); see the FHIR specification for its elements."""

    model_config = ConfigDict(extra="allow")
    resourceType: str


class QuestionnaireResponse(Resource):
    """A QuestionnaireResponse to /fhir/Questionnaire/sciatica-intake."""

    resourceType: Literal["QuestionnaireResponse"]
    questionnaire: str = Field(description="url|version of the Questionnaire answered")
    status: Literal["completed", "amended"]
    item: list[dict] = []


class Bundle(Resource):
    """A Bundle (collection): GuidanceResponse first, then what it recommends."""

    resourceType: Literal["Bundle"]
    type: Literal["collection"]
    entry: list[dict]


class OperationOutcome(Resource):
    """Why a request was refused: one issue per bad item, named in diagnostics."""

    resourceType: Literal["OperationOutcome"]
    issue: list[dict]


class Problem(BaseModel):
    error: str
    detail: str


class Discovery(BaseModel):
    services: list[dict]


class HookRequest(BaseModel):
    """A CDS Hooks call; `prefetch.questionnaireResponse` holds the patient's answers."""

    model_config = ConfigDict(extra="allow")
    hook: str
    hookInstance: UUID
    context: dict
    prefetch: dict | None = None
    fhirServer: str | None = None
    fhirAuthorization: dict | None = None


class Cards(BaseModel):
    cards: list[dict]
    systemActions: list[dict] = []


class Coding(BaseModel):
    model_config = ConfigDict(extra="allow")
    system: str | None = None
    code: str
    display: str | None = None


class OverrideReason(BaseModel):
    reason: Coding | None = None
    userComment: str | None = Field(default=None, max_length=2000)


class AcceptedSuggestion(BaseModel):
    id: UUID


class FeedbackItem(BaseModel):
    """What the clinician did with one card."""

    model_config = ConfigDict(extra="forbid")
    card: UUID
    outcome: Literal["accepted", "overridden"]
    outcomeTimestamp: datetime
    acceptedSuggestions: list[AcceptedSuggestion] = Field(default=[], max_length=20)
    overrideReason: OverrideReason | None = None


class Feedback(BaseModel):
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=100)


class FeedbackStored(BaseModel):
    stored: int


def problems(error: ValidationError) -> dict[str, str]:
    """Each validation problem by where it is, for an OperationOutcome."""
    found: dict[str, str] = {}
    for e in error.errors()[:20]:
        found.setdefault(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
    return found
