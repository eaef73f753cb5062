"""How often a process looks for a newly published version, also when looking fails."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy.exc import OperationalError

from service.triage.ruleset import ActiveRuleset


def test_a_failed_poll_waits_out_the_interval_like_a_successful_one(monkeypatch, caplog):
    ruleset = ActiveRuleset(poll_seconds=60)
    polls = []

    def unreachable():
        polls.append(1)
        raise OperationalError("SELECT max(version)", {}, ConnectionError("refused"))

    monkeypatch.setattr(ruleset, "_refresh", unreachable)
    # The version this process already answers with.
    loaded = ruleset.loaded = SimpleNamespace(version=7)

    # The failed check keeps the loaded version serving (DESIGN.md, Safety invariants),
    # and says so in the log.
    assert ruleset.current() is loaded
    assert "still serving version 7" in caplog.text
    # The next requests within the interval neither poll nor wait for the database.
    assert [ruleset.current() for _ in range(5)] == [loaded] * 5
    assert len(polls) == 1

    ruleset._checked_at -= 61  # the interval has passed: look again
    assert ruleset.current() is loaded
    assert len(polls) == 2
