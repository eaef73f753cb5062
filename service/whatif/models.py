"""The stored state of a what-if job: what it replays, how far it got, what it found."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from service.store.models import utcnow

#: A job's life: queued -> running -> complete | cancelled | failed.
FINISHED = ("complete", "cancelled", "failed")


class WhatIfJob(SQLModel, table=True):
    """One replay of a draft over the stored intakes of a date range (or all of them)."""

    id: int | None = Field(default=None, primary_key=True)
    draft_hash: str = Field(index=True, max_length=64)
    live_version: int | None = None
    started_by: str = Field(max_length=255)
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    heartbeat_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    since: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    status: str = Field(default="queued", index=True, max_length=20)
    cancel_requested: bool = False
    total: int = 0  # records in range when the job started
    done: int = 0  # records read so far, replayed or skipped
    skipped: int = 0  # records whose answers no longer validate
    changed: int = 0
    less_urgent: int = 0
    workers: int = 1
    error: str = Field(default="", max_length=500)
    result: dict | None = Field(default=None, sa_column=Column(JSON))

    @property
    def last_day(self) -> date | None:
        """The last day whose records it replays: `until` is the start of the day after."""
        return (self.until - timedelta(microseconds=1)).date() if self.until else None
