"""What a what-if worker process does: read its ranges itself and replay them.

Kept apart from service.whatif.runner, and light to import, because a worker is a
freshly spawned interpreter: it imports this module, the replay and the table
definitions (SQLAlchemy Core, no Flask), compiles the draft once and is replaying in
well under a second.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from service.whatif import source
from service.whatif.replay import BatchResult, Replayer

#: Rows read and replayed at a time within a range.
READ_BATCH = 2000


def replay_range(replayer: Replayer, connection: Connection, kind: str, low: int,
                 high: int, since: datetime | None, until: datetime | None) -> BatchResult:
    """Read and replay the rows of `kind` with ids in [low, high): one unit of work."""
    replay = replayer.replay if kind == "intakes" else replayer.replay_checkins
    result = BatchResult()
    for batch in source.read_range(connection, kind, low, high, since, until, READ_BATCH):
        result.merge(replay(batch))
    return result


_replayer: Replayer | None = None
_connection: Connection | None = None


def start_worker(rules_path: str, live_version: int | None, url: str, niceness: int) -> None:
    """Set a new worker process up: its priority, its engine, its database connection.

    The draft and the live knowledge base come in a file the job wrote (`rules_path`,
    JSON `{"draft": ..., "live": ...}`), not as arguments: a spawned process's arguments
    go down a pipe that the parent writes before the child runs, and a write larger than
    the pipe's buffer (64 KiB; the default knowledge base twice is about that) blocks
    the parent for ever if the child dies while starting.
    """
    global _replayer, _connection
    if niceness:
        os.nice(niceness)
    with open(rules_path, encoding="utf-8") as handle:
        rules = json.load(handle)
    _replayer = Replayer(rules["draft"], rules["live"], live_version)
    _connection = create_engine(url, pool_size=1).connect()


def replay_in_worker(kind: str, low: int, high: int, since: datetime | None,
                     until: datetime | None) -> BatchResult:
    """Replay one range in this worker (the task the job's pool runs)."""
    assert _replayer is not None and _connection is not None, "worker not started"
    try:
        return replay_range(_replayer, _connection, kind, low, high, since, until)
    finally:
        _connection.rollback()  # end the read transaction: no snapshot held between ranges
