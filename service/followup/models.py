"""Stored check-ins: each one belongs to the intake it follows, and goes with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.store.models import utcnow


class Checkin(SQLModel, table=True):
    """One weekly check-in: the answers, the facts the rules saw, and what was said."""

    __table_args__ = (UniqueConstraint("record_id", "week"),)  # one per week, even if sent twice

    id: int | None = Field(default=None, primary_key=True)
    # Deleting the intake (on request or at the end of retention) deletes its check-ins.
    record_id: int = Field(sa_column=Column(
        Integer, ForeignKey("triagerecord.id", ondelete="CASCADE"), nullable=False,
        index=True))
    week: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True),
                                 index=True)
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    facts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    outcome: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    triage_level: str = Field(max_length=30)
    ruleset_version: int | None = None
