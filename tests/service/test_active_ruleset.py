"""How often a process looks for a newly published version, also when looking fails."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from service.ruleset import ActiveRuleset


def test_a_failed_poll_waits_out_the_interval_like_a_successful_one(monkeypatch):
    ruleset = ActiveRuleset(poll_seconds=60)
    polls = []

    def unreachable():
        polls.append(1)
        raise OperationalError("SELECT max(version)", {}, ConnectionError("refused"))

    monkeypatch.setattr(ruleset, "_refresh", unreachable)
    loaded = ruleset.loaded = object()  # the version this process already answers with

    with pytest.raises(OperationalError):  # this request fails safe (service.triage)
        ruleset.current()
    # The next requests within the interval neither poll nor wait for the database.
    assert [ruleset.current() for _ in range(5)] == [loaded] * 5
    assert len(polls) == 1

    ruleset._checked_at -= 61  # the interval has passed: look again
    with pytest.raises(OperationalError):
        ruleset.current()
    assert len(polls) == 2
