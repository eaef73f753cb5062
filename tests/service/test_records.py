"""Group commit of triage records: batched, never acknowledged before the commit, isolated."""

import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

from service.extensions import db
from service.store.database import writer_lock_path
from service.store.models import TriageRecord
from service.store.records import FileTurn, GroupCommitter, RecordNotStored
from service.triage.intake import Intake


class FakeDatabase:
    """Records each transaction; the first waits until every caller has queued its row."""

    def __init__(self, callers: int, fail=lambda rows: False):
        self.callers = callers
        self.arrived = 0
        self.arrived_lock = threading.Lock()
        self.committed: set[int] = set()
        self.transactions: list[list[int]] = []
        self.fail = fail

    def arrive(self) -> None:
        with self.arrived_lock:
            self.arrived += 1

    def write(self, rows: list[dict]) -> None:
        if not self.transactions:
            deadline = time.monotonic() + 5
            while self.arrived < self.callers and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(0.05)  # the others are now queued behind this transaction
        self.transactions.append([row["n"] for row in rows])
        failure = self.fail(rows)
        if failure:
            raise failure
        time.sleep(0.002)  # the commit
        self.committed.update(row["n"] for row in rows)


def store_all(committer: GroupCommitter, database: FakeDatabase, count: int) -> dict:
    """Each row from its own thread at once; what each thread saw when store() returned."""
    def one(n: int):
        database.arrive()
        try:
            committer.store({"n": n})
        except RecordNotStored as error:
            return n, error
        return n, n in database.committed  # acknowledged: was it committed by then?

    with ThreadPoolExecutor(count) as pool:
        return dict(pool.map(one, range(count)))


def test_concurrent_rows_share_transactions_and_are_acknowledged_only_once_committed():
    database = FakeDatabase(callers=32)
    seen = store_all(GroupCommitter(database.write), database, 32)
    assert all(seen[n] is True for n in range(32)), seen
    written = [n for transaction in database.transactions for n in transaction]
    assert sorted(written) == list(range(32))  # every row exactly once
    assert len(database.transactions) < 32 / 4, database.transactions  # batched


def test_a_batch_never_exceeds_the_limit():
    database = FakeDatabase(callers=20)
    store_all(GroupCommitter(database.write, max_batch=8), database, 20)
    assert max(len(t) for t in database.transactions) <= 8
    assert sorted(database.committed) == list(range(20))


def duplicate(rows):
    if any(r["n"] == 5 for r in rows):
        return IntegrityError("INSERT INTO triagerecord", {}, Exception("duplicate reference"))
    return None


def test_one_bad_row_fails_alone_and_the_rest_of_its_batch_is_stored():
    database = FakeDatabase(callers=16, fail=duplicate)
    seen = store_all(GroupCommitter(database.write), database, 16)
    assert isinstance(seen[5], RecordNotStored)
    assert isinstance(seen[5].__cause__, IntegrityError)  # the database's own error
    assert all(seen[n] is True for n in range(16) if n != 5)
    assert database.committed == set(range(16)) - {5}


def test_when_the_database_is_down_every_row_is_refused_without_retrying_each():
    down = OperationalError("INSERT INTO triagerecord", {}, Exception("connection refused"))
    database = FakeDatabase(callers=8, fail=lambda rows: down)
    seen = store_all(GroupCommitter(database.write), database, 8)
    assert all(isinstance(seen[n], RecordNotStored) for n in range(8))
    assert not database.committed
    tried = [n for transaction in database.transactions for n in transaction]
    assert sorted(tried) == list(range(8))  # each row tried once, not again alone


def test_a_lone_row_is_its_own_transaction():
    written = []
    committer = GroupCommitter(written.append)
    committer.store({"n": 1})
    committer.store({"n": 2})
    assert written == [[{"n": 1}], [{"n": 2}]]


def test_the_stored_outcome_is_exactly_what_the_patient_was_sent(app, client, intake):
    response = client.post("/api/v1/triage", json=intake)
    assert response.status_code == 200
    sent = response.get_json()
    with app.app_context():
        record = db.session.scalar(
            select(TriageRecord).where(TriageRecord.reference == sent["id"]))
        assert record.outcome == sent
        answers = Intake.model_validate(intake).model_dump(mode="json",
                                                             exclude={"start_back_risk"})
        assert record.intake == answers
        assert record.triage_level == sent["triage_level"]


@pytest.mark.parametrize("threads", [16])
def test_concurrent_intakes_through_the_app_are_all_stored(app, intake, threads):
    def post(n: int):
        body = dict(intake, days_since_onset=10 + n)
        return app.test_client().post("/api/v1/triage", data=json.dumps(body),
                                      content_type="application/json")

    with ThreadPoolExecutor(threads) as pool:
        responses = list(pool.map(post, range(threads * 4)))
    assert [r.status_code for r in responses] == [200] * len(responses)
    references = {r.get_json()["id"] for r in responses}
    with app.app_context():
        stored = set(db.session.scalars(
            select(TriageRecord.reference).where(TriageRecord.reference.in_(references))))
    assert stored == references


# --- SQLite: one writer at a time across processes, by a lock file -------------------

HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return condition()


def test_a_turn_waits_for_another_process_holding_the_lock_and_batches_what_came_meanwhile(
        tmp_path):
    lock = tmp_path / "triage.db.write-lock"
    turn = FileTurn(str(lock))
    written: list[list[int]] = []
    committer = GroupCommitter(lambda rows: written.append([r["n"] for r in rows]),
                               exclusive=turn)
    with subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as other:
        assert other.stdout.readline() == "held\n"
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(committer.store, {"n": n}) for n in range(6)]
            try:
                assert wait_for(lambda: len(committer._pending) == 6)
                time.sleep(0.1)
                assert written == []  # nothing is written while the other process writes
                assert not any(f.done() for f in futures)
            finally:  # let the other process go, so a failure here cannot hang
                other.stdin.write("\n")
                other.stdin.flush()
            for future in futures:
                future.result(timeout=5)
    turn.close()
    # The first turn took every row that had queued while it waited for the lock.
    assert written == [[0, 1, 2, 3, 4, 5]]


def test_a_forked_process_takes_the_lock_on_its_own_open_file(tmp_path):
    turn = FileTurn(str(tmp_path / "triage.db.write-lock"))
    with turn():  # the parent opened the file and now holds the lock
        child = os.fork()
        if child == 0:  # the child, as a gunicorn worker forked after the app was made
            code = 0
            try:
                fcntl.flock(turn._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                code = 1  # it got the lock the parent holds: the file was shared
            except BlockingIOError:
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
    turn.close()
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_lock_file_that_cannot_be_opened_leaves_writing_to_sqlite_alone(tmp_path, caplog):
    written = []
    turn = FileTurn(str(tmp_path / "no-such-folder" / "triage.db.write-lock"))
    committer = GroupCommitter(written.append, exclusive=turn)
    committer.store({"n": 1})
    assert written == [[{"n": 1}]]
    assert "cannot open the writers' lock file" in caplog.text


@pytest.mark.parametrize(("url", "lock"), [
    ("sqlite:////srv/triage/triage.db", "/srv/triage/triage.db.write-lock"),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("postgresql+psycopg://postgres@127.0.0.1/triage", None),
])
def test_only_an_sqlite_file_has_a_writers_lock(url, lock):
    assert writer_lock_path(create_engine(url)) == lock


def test_the_app_writer_takes_the_lock_beside_its_sqlite_file(app):
    records = app.extensions["sciatica_records"]
    if records.engine.dialect.name != "sqlite":
        assert records._turn is None
        return
    assert records._turn.path == os.path.abspath(records.engine.url.database) + ".write-lock"


def test_a_file_system_without_locks_is_warned_about_once(tmp_path, caplog, monkeypatch):
    def no_locks(fd, operation):
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    written = []
    turn = FileTurn(str(tmp_path / "triage.db.write-lock"))
    committer = GroupCommitter(written.append, exclusive=turn)
    for n in range(3):
        committer.store({"n": n})
    assert written == [[{"n": 0}], [{"n": 1}], [{"n": 2}]]
    assert caplog.text.count("cannot lock") == 1
    turn.close()
