"""The database: the editable knowledge base, published versions, and triage records."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when(**kwargs):
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kwargs)


def _json(default_factory=dict):
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class Exercise(SQLModel, table=True):
    """An exercise in the draft library that clinicians edit."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name: str = Field(max_length=200)
    category: str = Field(max_length=20)
    purpose: str = ""
    instructions: list = _json(list)
    hold_seconds: int | None = None
    reps: int | None = None
    sets: int | None = None
    times_per_day: int | None = None
    cautions: list = _json(list)
    illustration: str = Field(default="", max_length=80)
    display_order: int = 0
    # Follow-up progression: see rules.schema.Exercise.
    unlock_week: int | None = None
    hold_seconds_step: int | None = None
    hold_seconds_max: int | None = None
    reps_step: int | None = None
    reps_max: int | None = None
    sets_step: int | None = None
    sets_max: int | None = None
    updated_at: datetime = _when()
    updated_by: str = Field(default="system", max_length=255)


class Advice(SQLModel, table=True):
    """An advice item in the draft library."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    title: str = Field(max_length=200)
    text: str
    display_order: int = 0
    updated_at: datetime = _when()
    updated_by: str = Field(default="system", max_length=255)


class Rule(SQLModel, table=True):
    """A draft rule; `conditions` and `action` hold the shapes in rules.schema."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name: str = Field(max_length=200)
    enabled: bool = True
    conditions: dict = _json(dict)
    action: dict = _json(dict)
    reason: str
    rationale: str = ""
    source: str = ""
    display_order: int = 0
    updated_at: datetime = _when()
    updated_by: str = Field(default="system", max_length=255)


class RulesetVersion(SQLModel, table=True):
    """An immutable published snapshot of rules, exercises and advice.

    The newest version is the active one; restoring an old one publishes a copy of it.
    """

    __table_args__ = (UniqueConstraint("version"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(index=True)
    snapshot: dict = _json(dict)  # a rules.schema.KnowledgeBase, dumped
    note: str = ""
    restored_from: int | None = None
    created_at: datetime = _when()
    created_by: str = Field(default="system", max_length=255)


class TriageRecord(SQLModel, table=True):
    """One intake and the outcome it got, with the ruleset version that decided it.

    Holds no name or contact detail: `reference` is what the patient quotes.
    """

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True, max_length=20)
    created_at: datetime = _when(index=True)
    intake: dict = _json(dict)
    outcome: dict = _json(dict)
    triage_level: str = Field(index=True, max_length=30)
    ruleset_version: int | None = None
    # SHA-256 (hex) of the secret in the patient's result address; the secret itself is
    # never stored. None for records made without an address (the JSON API).
    access_hash: str | None = Field(default=None, max_length=64)


class Vignette(SQLModel, table=True):
    """A clinical test case: answers and the safe outcome. Every publish must pass all."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    note: str = ""
    intake: dict = _json(dict)
    expect: dict = _json(dict)
    # A follow-up vignette: the weekly check-ins after `intake`; `expect` then judges the
    # last check-in's outcome (service.followup.vignettes).
    checkins: list | None = Field(default=None,
                                  sa_column=Column(JSON(none_as_null=True), nullable=True))
    updated_at: datetime = _when()
    updated_by: str = Field(default="system", max_length=255)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, with the record before and after. Never edited."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(index=True)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=40)  # create, update, delete, publish, restore
    entity: str = Field(index=True, max_length=40)
    entity_key: str = Field(default="", max_length=80)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))


class SafetyApproval(SQLModel, table=True):
    """A clinical safety officer's sign-off of one exact draft against one live version.

    `draft_hash` is the hash of the knowledge base approved; any change to the draft
    changes the hash, so the approval no longer matches it: it is void.
    """

    id: int | None = Field(default=None, primary_key=True)
    draft_hash: str = Field(index=True, max_length=64)
    live_version: int | None = None  # the version the downgrades were measured against
    reasons: dict = _json(dict)  # sign-off item key -> the officer's written reason
    items: list = _json(list)  # what was shown and approved, in words
    approved_by: str = Field(max_length=255)
    approved_at: datetime = _when()
