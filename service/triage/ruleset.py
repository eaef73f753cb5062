"""Which ruleset version this process answers with, kept fresh without a restart.

Each process polls the newest published version (at most every RULESET_POLL_SECONDS)
and, when it changes, compiles the new snapshot and swaps it in. A `LoadedVersion` holds
one version's knowledge base with its own engine, so an intake is always evaluated and
assembled against exactly one version.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app
from sqlalchemy import func, select

from rules import EngineError, KnowledgeBase, RulesEngine, compile_ruleset
from service.extensions import db
from service.store.models import RulesetVersion
from service.triage.intake import Intake, intake_facts
from service.triage.outcome import Assembler, Outcome

log = logging.getLogger(__name__)


class LoadedVersion:
    """One compiled ruleset version, ready to assess intakes."""

    def __init__(self, version: int, kb: KnowledgeBase, prefix: str = "triage"):
        self.version = version
        self.kb = kb
        self.engine = RulesEngine(prefix)
        self.engine.load(compile_ruleset(kb.rules, version))
        self.assembler = Assembler(kb, version)

    def fired(self, intake: Intake) -> list[str]:
        """Slugs of every rule that fires for `intake`."""
        version, fired = self.engine.evaluate(intake_facts(intake))
        if version != self.version:
            raise EngineError(f"engine answered with version {version}, not {self.version}")
        return fired

    def assess(self, intake: Intake, reference: str) -> Outcome:
        return self.assembler.assemble(reference, self.fired(intake), intake)

    def close(self) -> None:
        self.engine.close()


class UnloadableVersion(Exception):
    """The newest published version is there but would not validate or compile."""


class ActiveRuleset:
    """The newest published version, as seen by this process."""

    def __init__(self, poll_seconds: float):
        self.poll_seconds = poll_seconds
        self.loaded: LoadedVersion | None = None
        #: Why the last check for a newer version failed, in words for /healthz; None
        #: when it succeeded. The loaded version keeps answering meanwhile.
        self.check_failed: str | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def current(self) -> LoadedVersion | None:
        """The active version, reloaded first if a newer one was published.

        If the check for a newer version fails, the version already loaded is kept.
        """
        if time.monotonic() - self._checked_at >= self.poll_seconds:
            # While another thread polls, those with a version loaded go on with it: a
            # database that stalls must not queue every request behind one poll.
            if not self._lock.acquire(blocking=self.loaded is None):
                return self.loaded
            try:
                if time.monotonic() - self._checked_at >= self.poll_seconds:
                    try:
                        self._refresh()
                        self.check_failed = None
                    except Exception as error:  # noqa: BLE001 (any failure: keep serving)
                        # A failed check is no reason to drop the version already
                        # compiled: it stays the best answer there is (DESIGN.md, Safety
                        # invariants). Logged by the error's kind alone, as database
                        # errors may quote what a statement carried.
                        self.check_failed = (
                            str(error) if isinstance(error, UnloadableVersion)
                            else "could not check for a newer ruleset version" if self.loaded
                            else "could not read the published ruleset version")
                        log.error("%s (%s); still serving version %s", self.check_failed,
                                  type(error.__cause__ or error).__name__,
                                  self.loaded.version if self.loaded else "none")
                    finally:
                        # A failed poll also waits out the interval: with the database
                        # down, every request polling in turn would queue each one on
                        # this lock for as long as a connection attempt takes.
                        self._checked_at = time.monotonic()
            finally:
                self._lock.release()
        return self.loaded

    def _refresh(self) -> None:
        # A connection of its own, returned at once: the request's session (and any
        # transaction it has open) is left alone, and no connection is held meanwhile.
        with db.engine.connect() as connection:
            newest = connection.scalar(select(func.max(RulesetVersion.version)))
            if newest is None or (self.loaded and self.loaded.version == newest):
                return
            snapshot = connection.scalar(select(RulesetVersion.snapshot)
                                         .where(RulesetVersion.version == newest))
        try:
            fresh = LoadedVersion(newest, KnowledgeBase.model_validate(snapshot))
        except Exception as error:
            raise UnloadableVersion(f"version {newest} is published but could not be "
                                    "loaded") from error
        old, self.loaded = self.loaded, fresh
        if old:
            old.close()  # an assessment still running on it fails, and is retried

    def close(self) -> None:
        """Free the loaded version's engine (the app is shutting down)."""
        with self._lock:
            old, self.loaded = self.loaded, None
            if old:
                old.close()

    def expire(self) -> None:
        """Check the database on the next call (after a publish in this process)."""
        self._checked_at = float("-inf")


def active_ruleset() -> ActiveRuleset:
    """This app's ActiveRuleset."""
    return current_app.extensions["sciatica_ruleset"]
