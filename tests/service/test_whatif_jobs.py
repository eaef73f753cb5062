"""What-if as a background job: it agrees with the in-request replay, stops when asked,
lists what it cannot replay, and never leaves a partial result marked complete."""

from __future__ import annotations

import json
import random
from datetime import datetime

import pytest
from sqlalchemy import insert, select, update

from admin.sandbox import draft_engine, replay
from rules.schema import AllOf, Refer
from service.extensions import db
from service.store.models import Rule, TriageRecord, utcnow
from service.store.records import EncodedJSON
from service.whatif import jobs, runner
from service.whatif.jobs import JobAlreadyRunning, create_job, progress, run_job
from service.whatif.models import WhatIfJob
from service.whatif.synthetic import generate_history, random_answers


@pytest.fixture
def history(app):
    """400 synthetic intakes, each stored with what version 1 told them."""
    with app.app_context():
        generate_history(400, days=30, seed=7)
    return 400


def weaken_draft(*slugs: str) -> None:
    """Switch draft rules off (saddle numbness unless told): what a what-if must catch."""
    db.session.execute(update(Rule).where(Rule.slug.in_(slugs or ["ces_saddle_numbness"]))
                       .values(enabled=False))
    db.session.commit()


def in_request_changes() -> dict[tuple[str, str], set[str]]:
    records = db.session.scalars(select(TriageRecord)).all()
    with draft_engine() as loaded:
        report = replay(loaded, records)
    found: dict[tuple[str, str], set[str]] = {}
    for change in report.changes:
        found.setdefault((change.old, change.new), set()).add(change.reference)
    return found


def job_changes(job: WhatIfJob) -> dict[tuple[str, str], set[str]]:
    return {(t["old"], t["new"]): {c["reference"] for c in t["changes"]}
            for t in job.result["transitions"]}


@pytest.mark.parametrize("processes", [0, 2], ids=["in-thread", "two-processes"])
def test_job_agrees_with_the_in_request_replay(app, history, monkeypatch, processes):
    if processes:  # small jobs run in the thread: make this one use processes
        monkeypatch.setattr(runner, "IN_THREAD_BELOW", 0)
        monkeypatch.setenv("WHATIF_PROCESSES", str(processes))
        monkeypatch.setattr(runner, "BATCH", 64)
    with app.app_context():
        weaken_draft()
        expected = in_request_changes()
        assert expected, "switching off saddle numbness changed no one: the test proves nothing"
        job = run_job(create_job("tester").id)
        assert job.status == "complete"
        assert job.workers == (min(processes, runner.processes_for(10**9)) if processes else 0)
        assert job.done == job.total == history
        assert job_changes(job) == expected
        assert job.result["replayed"] == history
        # Less urgent changes first, and the rule that stopped firing is named.
        first = job.result["transitions"][0]
        assert first["less_urgent"]
        assert any("ces_saddle_numbness" in c["no_longer_fires"] for c in first["changes"])
        assert any(c["answers"].get("saddle_numbness") is True for c in first["changes"])
        rules = {row["rule"]: row for row in job.result["rules"]}
        assert rules["ces_saddle_numbness"]["no_longer"] > 0


def test_unchanged_draft_changes_no_one(app, history):
    with app.app_context():
        job = run_job(create_job("tester").id)
        assert job.status == "complete"
        assert job.result["transitions"] == [] and job.changed == 0


def test_cancelling_stops_the_job_and_keeps_no_result(app, history, monkeypatch):
    monkeypatch.setattr(runner, "BATCH", 50)
    monkeypatch.setattr(runner, "PROGRESS_SECONDS", 0)
    real = runner.Replayer.replay
    calls = []

    def replay_then_cancel(self, batch):
        calls.append(len(batch))
        if len(calls) == 2:  # someone presses "Stop" while the job runs
            jobs.request_cancel(job_id, "someone else")
        return real(self, batch)

    monkeypatch.setattr(runner.Replayer, "replay", replay_then_cancel)
    with app.app_context():
        weaken_draft()
        job_id = create_job("tester").id
        job = run_job(job_id)
        assert job.status == "cancelled"
        assert job.result is None
        assert 0 < job.done < history
        assert len(calls) < history // 50
        assert progress(job)["finished"]


def test_a_record_that_no_longer_validates_is_counted_and_listed(app, history):
    with app.app_context():
        db.session.execute(insert(TriageRecord), [{
            "reference": "ST-OLD0-0001", "created_at": utcnow(),
            "intake": EncodedJSON(json.dumps({"age": 40, "a_question_we_dropped": True})),
            "outcome": EncodedJSON("{}"), "triage_level": "self_care", "ruleset_version": 1}])
        db.session.commit()
        job = run_job(create_job("tester").id)
        assert job.status == "complete"
        assert job.skipped == 1 and job.result["skipped"] == ["ST-OLD0-0001"]
        assert job.result["replayed"] == history


def test_a_failing_replay_is_failed_not_complete(app, history, monkeypatch):
    def broken(self, batch):
        raise RuntimeError("saddle_numbness=True age=40")  # what a careless error may hold

    monkeypatch.setattr(runner.Replayer, "replay", broken)
    with app.app_context():
        job = run_job(create_job("tester").id)
        assert job.status == "failed" and job.result is None
        assert "saddle" not in job.error and "age" not in job.error


def test_one_job_at_a_time_per_draft_and_edits_make_results_stale(app, history):
    with app.app_context():
        first = create_job("tester")
        with pytest.raises(JobAlreadyRunning):
            create_job("someone else")
        run_job(first.id)
        second = create_job("someone else")  # the first finished: a new one may start
        run_job(second.id)
        assert not progress(second, jobs.knowledge_base_hash_of_draft())["stale"]
        weaken_draft()
        assert progress(second, jobs.knowledge_base_hash_of_draft())["stale"]
        assert jobs.latest_complete(second.draft_hash).id == second.id


def test_a_date_range_replays_only_those_days(app):
    from datetime import timedelta

    with app.app_context():
        generate_history(300, days=30, seed=3)
        since = utcnow() - timedelta(days=10)
        expected = db.session.scalar(select(db.func.count(TriageRecord.id))
                                     .where(TriageRecord.created_at >= since))
        job = run_job(create_job("tester", since=since).id)
        assert 0 < job.total == job.done == expected < 300


def test_synthetic_history_is_valid_and_marked(app):
    with app.app_context():
        generate_history(50, seed=1)
        rows = db.session.scalars(select(TriageRecord)).all()
        assert len(rows) == 50 and all(r.reference.startswith("SY-") for r in rows)
        levels = {r.triage_level for r in rows}
        assert "self_care" in levels and len(levels) > 1  # red flags are in there too


def test_cli_what_if_prints_less_urgent_changes_first(app, runner_cli):
    with app.app_context():
        generate_history(300, seed=11)
        weaken_draft()
    result = runner_cli.invoke(args=["what-if"])
    assert result.exit_code == 0, result.output
    assert "LESS URGENT" in result.output
    assert result.output.index("LESS URGENT") < result.output.find("more urgent") \
        or "more urgent" not in result.output


def test_cli_generate_history(app, runner_cli):
    result = runner_cli.invoke(args=["generate-history", "120", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "stored 120 synthetic intake(s)" in result.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count(TriageRecord.id))) == 120


@pytest.fixture
def runner_cli(app):
    return app.test_cli_runner()


def test_random_answers_are_what_a_client_sends(app):
    rng = random.Random(5)
    answers = random_answers(rng)
    assert "start_back_risk" not in answers and "age" in answers


def test_the_replay_level_is_the_level_patients_are_given(app):
    """The replay decides the level from fired rules alone: it must match the full
    assembly patients get, for every intake tried, including under a changed draft."""
    from rules.defaults import load_default_knowledge_base
    from service.triage.ruleset import LoadedVersion
    from service.whatif.replay import Replayer
    from service.whatif.synthetic import random_intake

    kb = load_default_knowledge_base()

    def changed(slug, **update):
        return kb.model_copy(update={"rules": [
            r.model_copy(update=update) if r.slug == slug else r for r in kb.rules]})

    rng = random.Random(17)
    intakes = [random_intake(rng) for _ in range(3000)]
    drafts = {"": kb, "ces_saddle_numbness": changed("ces_saddle_numbness", enabled=False),
              # a routine rule the draft gives everyone: changed, so judged in both forms
              "routine_piriformis_stretch": changed("routine_piriformis_stretch",
                                                    conditions=AllOf(all=[]))}
    for slug, draft in drafts.items():
        replayer = Replayer(draft.model_dump(mode="json"), kb.model_dump(mode="json"), 1)
        full = LoadedVersion(0, draft, prefix="whatif_check")
        live = LoadedVersion(1, kb, prefix="whatif_live_check")

        def judged(slug, replayer=replayer):  # a referral, or a rule the draft changed
            return slug in replayer.referring or slug not in replayer.shared

        try:
            assert {r.slug for r in draft.rules if r.enabled and isinstance(r.action, Refer)
                    } <= replayer.draft_slugs
            assert all(judged(s) for s in replayer.draft_slugs)  # nothing else is compiled
            differed = set()
            for intake in intakes:
                fired, before = replayer.evaluate(intake)
                assert replayer.level(fired) == full.assess(intake, "X").triage_level
                assert fired == [s for s in full.fired(intake) if judged(s)]
                assert before == {s for s in live.fired(intake) if judged(s)}
                differed |= before ^ set(fired)
            # The one rule the draft changed, referral or routine, is seen to differ.
            assert differed == ({slug} if slug else set())
        finally:
            replayer.close()
            full.close()
            live.close()


# --- check-in histories ----------------------------------------------------------------

COURSE_RULES = ("course_pain_worse_twice", "course_no_improvement_week_6",
                "course_pain_spread_with_exercise", "course_exercises_skipped_for_pain")


@pytest.fixture
def courses(app):
    """600 synthetic intakes; half of those given a routine checked in for some weeks."""
    from service.followup.models import Checkin

    with app.app_context():
        generate_history(600, days=120, seed=12, checkins=0.5)
        count = db.session.scalar(select(db.func.count(Checkin.id)))
    assert count > 100, "too few check-ins to prove anything"
    return count


def in_request_checkin_changes() -> dict[tuple[str, str], set[str]]:
    from admin.course_sandbox import replay_checkins

    with draft_engine() as loaded:
        report = replay_checkins(loaded, 10**6)
    found: dict[tuple[str, str], set[str]] = {}
    for change in report.changes:
        found.setdefault((change.old, change.new), set()).add(change.reference)
    return found


@pytest.mark.parametrize("processes", [0, 2], ids=["in-thread", "two-processes"])
def test_job_replays_check_ins_as_the_in_request_replay_does(app, courses, monkeypatch,
                                                             processes):
    if processes:
        monkeypatch.setattr(runner, "IN_THREAD_BELOW", 0)
        monkeypatch.setenv("WHATIF_PROCESSES", str(processes))
        monkeypatch.setattr(runner, "BATCH", 64)
    with app.app_context():
        weaken_draft(*COURSE_RULES)
        expected = in_request_checkin_changes()
        assert expected, "switching the course rules off changed no check-in: proves nothing"
        job = run_job(create_job("tester").id)
        assert job.status == "complete"
        assert job.done == job.total == 600 + courses
        found = job.result["checkins"]
        assert found["replayed"] == courses
        assert job_changes_of(found) == expected
        first = found["transitions"][0]
        assert first["less_urgent"] and first["changes"][0]["reference"].endswith(
            f"week {first['changes'][0]['reference'].split()[-1]}")
        assert any("course_exercises_skipped_for_pain" in c["no_longer_fires"]
                   and c["answers"].get("exercises_skipped_for_pain") is True
                   for t in found["transitions"] for c in t["changes"])
        # The intakes themselves are untouched by a course rule.
        assert job.result["transitions"] == []
        assert job.changed == sum(t["people"] for t in found["transitions"])


def job_changes_of(found: dict) -> dict[tuple[str, str], set[str]]:
    return {(t["old"], t["new"]): {c["reference"] for c in t["changes"]}
            for t in found["transitions"]}


def test_a_check_in_that_no_longer_validates_is_counted_and_listed(app, courses):
    from service.followup.models import Checkin

    with app.app_context():
        row = db.session.scalar(select(Checkin).order_by(Checkin.id).limit(1))
        row.answers = {**row.answers, "a_question_we_dropped": 3}
        reference = db.session.get(TriageRecord, row.record_id).reference
        label = f"{reference} week {row.week}"
        db.session.commit()
        job = run_job(create_job("tester").id)
        assert job.status == "complete"
        assert job.result["checkins"]["skipped"] == [label]
        assert job.skipped == 1 and job.result["checkins"]["replayed"] == courses - 1


def test_a_date_range_replays_only_the_check_ins_of_those_days(app, courses):
    from datetime import timedelta

    from service.followup.models import Checkin

    with app.app_context():
        since = utcnow() - timedelta(days=30)
        expected = db.session.scalar(select(db.func.count(Checkin.id))
                                     .where(Checkin.created_at >= since))
        job = run_job(create_job("tester", since=since).id)
        assert 0 < job.result["checkins"]["replayed"] == expected < courses


def test_the_check_in_replay_level_is_the_level_the_check_in_page_gives(app):
    """A replayed check-in's level, from fired rules alone, is what assess_checkin tells
    the person, under the published rules and under a draft with a course rule off."""
    from rules.defaults import load_default_knowledge_base
    from service.followup.course import start_state
    from service.followup.retriage import assess_checkin, next_state, spreading_choices
    from service.triage.ruleset import LoadedVersion
    from service.whatif.replay import Replayer, StoredCheckin
    from service.whatif.synthetic import random_intake, random_week

    kb = load_default_knowledge_base()
    weakened = kb.model_copy(update={"rules": [
        r.model_copy(update={"enabled": False}) if r.slug == "course_pain_worse_twice" else r
        for r in kb.rules]})
    rng = random.Random(31)
    checked = levels = 0
    seen = set()
    for draft in (kb, weakened):
        full = LoadedVersion(0, draft, prefix="whatif_course_check")
        replayer = Replayer(draft.model_dump(mode="json"), kb.model_dump(mode="json"), 1)
        try:
            for _ in range(400):
                intake = random_intake(rng)
                outcome = full.assess(intake, "X")
                if outcome.routine is None:
                    continue
                state = start_state(intake, outcome)
                for week in range(1, 7):
                    from service.followup.checkin import CheckinAnswers

                    spreading = [v for v, _ in spreading_choices(state.plan)][1:]
                    answers = CheckinAnswers.model_validate(
                        random_week(rng, intake, state.plan, spreading))
                    told, facts = assess_checkin(full, state, answers, "X", 7 * week,
                                                 utcnow().date())
                    row = StoredCheckin(week, "X", week, datetime(2026, 1, 1), 7 * week,
                                        intake.model_dump_json(exclude={"start_back_risk"}),
                                        answers.model_dump_json(), facts.model_dump_json(),
                                        "nobody", 0)
                    result = replayer.replay_checkins([row])
                    (_old, replayed), = result.transitions
                    assert replayed == told.triage_level
                    checked += 1
                    seen.add(told.triage_level)
                    if told.triage_level != "self_care":
                        levels += 1
                    if told.plan is None:
                        break
                    state = next_state(state, told, facts)
        finally:
            replayer.close()
            full.close()
    assert checked > 300 and levels > 50 and len(seen) >= 3


def test_cli_generates_check_ins_and_what_if_reports_them(app, runner_cli):
    result = runner_cli.invoke(args=["generate-history", "300", "--seed", "4",
                                     "--checkins", "0.5"])
    assert result.exit_code == 0, result.output
    stored = int(result.output.split("check-in(s) stored")[0].split()[-1])
    assert stored > 20
    with app.app_context():
        weaken_draft(*COURSE_RULES)
    result = runner_cli.invoke(args=["what-if"])
    assert result.exit_code == 0, result.output
    assert f"replayed 300 intake(s) and {stored} check-in(s)" in result.output
    after = result.output.split("check-ins:")[1]
    assert "LESS URGENT" in after and " week " in after


def test_generate_history_rejects_a_share_above_one(runner_cli):
    result = runner_cli.invoke(args=["generate-history", "10", "--checkins", "1.5"])
    assert result.exit_code == 2 and "--checkins" in result.output


def test_a_worker_process_that_dies_fails_the_job_instead_of_hanging(app, monkeypatch):
    """A worker killed (out of memory, an operator's kill -9) ends the job as failed,
    with no result kept, rather than leaving it running for ever."""
    import multiprocessing
    import os
    import signal
    import threading
    import time

    monkeypatch.setattr(runner, "IN_THREAD_BELOW", 0)
    monkeypatch.setenv("WHATIF_PROCESSES", "2")
    with app.app_context():
        generate_history(3000, seed=5)
        job_id = create_job("tester").id

    def run() -> None:
        with app.app_context():
            run_job(job_id)
            db.session.remove()

    before = {p.pid for p in multiprocessing.active_children()}
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    killed = None
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        workers = [p for p in multiprocessing.active_children() if p.pid not in before]
        if workers:
            killed = workers[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.01)
    thread.join(60)
    assert killed is not None, "no worker process was seen: the test proves nothing"
    assert not thread.is_alive(), "the job hung after its worker died"
    with app.app_context():
        job = db.session.get(WhatIfJob, job_id)
        assert job.status == "failed" and job.result is None
        assert "process" in job.error and "Start it again" in job.error


def test_a_worker_that_dies_as_it_starts_fails_the_job_instead_of_hanging(app, monkeypatch,
                                                                          tmp_path):
    """A worker process that ends before reading what it was sent (killed, out of memory,
    a broken interpreter). The job's thread must not wait for ever on the pipe to it:
    before the rules went in a file, the default knowledge base twice filled the pipe's
    64 KiB and the job hung inside the pool's `submit`, where no watchdog runs."""
    import multiprocessing.resource_tracker
    import multiprocessing.spawn
    import threading

    multiprocessing.resource_tracker.ensure_running()  # started with the real interpreter
    dies = tmp_path / "python"
    dies.write_text("#!/bin/sh\nexit 1\n")
    dies.chmod(0o755)
    monkeypatch.setattr(multiprocessing.spawn, "get_executable", lambda: bytes(dies))
    monkeypatch.setattr(runner, "IN_THREAD_BELOW", 0)
    monkeypatch.setenv("WHATIF_PROCESSES", "2")
    with app.app_context():
        generate_history(300, seed=8)
        weaken_draft()  # a draft unlike the live version: both go to the workers
        job_id = create_job("tester").id

    def run() -> None:
        with app.app_context():
            run_job(job_id)
            db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the job hung on a worker that died as it started"
    with app.app_context():
        job = db.session.get(WhatIfJob, job_id)
        assert job.status == "failed" and job.result is None and job.workers == 2
        assert "Start it again" in job.error


@pytest.mark.parametrize("alive", [False, True], ids=["worker-dead", "worker-stuck"])
def test_a_job_waiting_on_a_lost_worker_gives_up(app, monkeypatch, alive):
    """The pool does not always notice a worker killed while it starts (it then waits for
    ever): the job itself checks its workers while it waits, and gives a range at most
    RANGE_SECONDS. A future that never completes stands for the lost range here."""
    from concurrent.futures import Future
    from types import SimpleNamespace

    monkeypatch.setattr(runner, "WAIT_SECONDS", 0.05)
    monkeypatch.setattr(runner, "RANGE_SECONDS", 0.3)
    process = SimpleNamespace(pid=4242, is_alive=lambda: alive)
    pool = SimpleNamespace(_processes={4242: process})
    with app.app_context():
        job = create_job("tester")
        job.status = "running"
        started = utcnow()
        with pytest.raises(runner.WorkerLost, match="took more than" if alive else "pid 4242"):
            runner.JobRun(job, {}, None)._wait(pool, Future())
        beat = jobs._aware(db.session.get(WhatIfJob, job.id).heartbeat_at)
        assert beat >= started  # it kept beating while it waited


def test_a_worker_that_cannot_start_after_another_died_fails_in_our_words(app):
    """Seen once in twenty-five runs of the kill -9 test above: starting a second worker
    just after the first was killed raised ValueError inside the pool, and the clinician
    read "the replay stopped: ValueError". It is a lost worker, and says so."""
    from types import SimpleNamespace

    def submit(*_args, **_kwargs):
        raise ValueError("bad value(s) in fds_to_keep")

    with app.app_context():
        job = create_job("tester")
        with pytest.raises(runner.WorkerLost, match="could not be started"):
            runner.JobRun(job, {}, None)._submit(SimpleNamespace(submit=submit),
                                                 "intakes", 1, 2)


def test_cancelling_a_job_in_processes_stops_its_workers(app, monkeypatch):
    """Stopped mid-way with two worker processes: cancelled, no result, and no worker
    process left running behind it."""
    import multiprocessing
    import time

    monkeypatch.setattr(runner, "IN_THREAD_BELOW", 0)
    monkeypatch.setattr(runner, "BATCH", 64)
    monkeypatch.setattr(runner, "PROGRESS_SECONDS", 0)
    monkeypatch.setenv("WHATIF_PROCESSES", "2")
    real = runner.JobRun._add
    ranges = []
    workers = []

    def add_then_cancel(self, kind, found):
        ranges.append(kind)
        if len(ranges) == 3:  # someone presses "Stop" while the job runs
            workers.extend(p.pid for p in multiprocessing.active_children()
                           if p.pid not in before)
            jobs.request_cancel(self.job.id, "someone else")
        real(self, kind, found)

    monkeypatch.setattr(runner.JobRun, "_add", add_then_cancel)
    before = {p.pid for p in multiprocessing.active_children()}
    with app.app_context():
        generate_history(3000, seed=6)
        job = run_job(create_job("tester").id)
        assert job.status == "cancelled" and job.result is None
        assert job.workers == 2 and 0 < job.done < 3000
    assert len(ranges) == 3
    assert len(workers) == 2, "the job's two workers were not seen: the test proves nothing"
    # By pid, not Process.is_alive(): the pool's own thread reaps the killed workers too,
    # and is_alive() reads "alive" in the moment between its reaping and its noting it.
    deadline = time.monotonic() + 5
    while [pid for pid in workers if _running(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _running(pid)]


def _running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_replay_reads_the_columns_the_models_define():
    """service.whatif.source names its two tables itself (so workers need not import the
    ORM): every column it names must be the models' own, with the same kind of type."""
    from service.followup.models import Checkin
    from service.whatif import source

    for light, model in ((source.RECORDS, TriageRecord), (source.CHECKINS, Checkin)):
        real = model.__table__
        assert light.name == real.name
        for name, column in light.c.items():
            assert name in real.c, f"{real.name}.{name} is not a column of the model"
            assert column.type._type_affinity is real.c[name].type._type_affinity, name
