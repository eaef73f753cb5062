"""The command line: triage a file or standard input, initialise the database."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import main


def test_triage_reads_standard_input_and_prints_the_outcome(runner, vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    result = runner.invoke(args=["triage", "-"], input=json.dumps(ces["intake"]))
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["triage_level"] == "emergency"
    assert body["routine"] is None


def test_triage_reads_a_file(runner, intake, tmp_path):
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake))
    result = runner.invoke(args=["triage", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["triage_level"] == "self_care"


def test_triage_names_bad_fields_and_exits_nonzero(runner, intake):
    intake.pop("age")
    result = runner.invoke(args=["triage", "-"], input=json.dumps(intake))
    assert result.exit_code == 2
    assert '"age": "required"' in result.output


def test_init_db_is_safe_to_run_again(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "already initialised" in result.output


def test_the_console_command_lists_its_commands():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "triage", "init-db"):
        assert command in result.output


def test_serve_creates_the_database_hints_at_the_first_user_and_answers(tmp_path):
    """`sciatica-triage serve` on a fresh machine: seeded database, gunicorn on PORT."""
    import signal
    import time
    import urllib.request

    from tests.gunicorn_server import free_port

    port = free_port()
    env = {**os.environ, "PORT": str(port), "SECRET_KEY": "test-only",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    command = [str(Path(sys.executable).parent / "sciatica-triage"), "serve", "--workers", "1",
               "--host", "127.0.0.1"]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and health is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
                    health = json.loads(response.read())
            except OSError:
                time.sleep(0.2)
        assert health == {"status": "ok", "ruleset_version": 1}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        stderr = server.communicate(timeout=30)[1]
    assert f"Listening at: http://127.0.0.1:{port}" in stderr  # --host: this machine only
    assert (tmp_path / "fresh.db").exists()
    # How to make the first clinician account, as a command that runs from here.
    hint = next(line for line in stderr.splitlines() if "create-user" in line)
    program, *args = shlex.split(hint)
    assert args == ["create-user", "you@example.org", "--role", "publisher"]
    assert subprocess.run([program, "create-user", "--help"], env=env, capture_output=True,
                          timeout=60).returncode == 0


# A first run, as a newcomer meets it.

ROOT = Path(__file__).resolve().parents[2]


def test_triage_says_it_stored_the_intake_under_its_reference(app, runner, intake):
    from service.store.privacy import export

    result = runner.invoke(args=["triage", "-"], input=json.dumps(intake))
    assert result.exit_code == 0, result.output
    reference = json.loads(result.stdout)["id"]  # standard output is the JSON alone
    assert f"Stored as {reference}" in result.stderr
    assert f"delete {reference}" in result.stderr and "--no-store" in result.stderr
    with app.app_context():
        assert export(reference)["outcome"]["id"] == reference


def test_triage_no_store_answers_and_keeps_nothing(app, runner, intake):
    from service.extensions import db
    from service.store.models import TriageRecord

    result = runner.invoke(args=["triage", "--no-store", "-"], input=json.dumps(intake))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["triage_level"] == "self_care"
    assert "Not stored" in result.stderr
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(TriageRecord.id))) == 0


def test_the_help_lists_no_generic_flask_options():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for generic in ("--env-file", "--app", "--debug", "-A,", "-e,"):
        assert generic not in result.output
    assert "--no-store" in CliRunner().invoke(main, ["triage", "--help"]).output


@pytest.mark.parametrize("on_path, typed, shown", [
    (False, "venv/bin/sciatica-triage", "venv/bin/sciatica-triage"),
    (False, "ABSOLUTE", "venv/bin/sciatica-triage"),
    (True, "venv/bin/sciatica-triage", "sciatica-triage"),
    (False, "pytest", "sciatica-triage"),  # not run as the command: name it plainly
])
def test_the_command_is_named_as_it_can_be_typed_again(monkeypatch, tmp_path, on_path,
                                                       typed, shown):
    from service.program import command_name

    program = tmp_path / "venv" / "bin" / "sciatica-triage"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(program.parent) if on_path else "/nowhere")
    monkeypatch.setattr(sys, "argv", [str(program) if typed == "ABSOLUTE" else typed])
    assert command_name() == shown


def test_the_console_command_prints_json_and_one_line_no_log(tmp_path):
    """The real program: the outcome on standard output, one line on standard error."""
    import subprocess

    env = {**os.environ, "SECRET_KEY": "test-only",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'first.db'}"}
    program = str(Path(sys.executable).parent / "sciatica-triage")
    done = subprocess.run([program, "triage", str(ROOT / "examples" / "intake.json")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["triage_level"] == "self_care"
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Stored as ST-"), done.stderr


def test_serve_listens_on_every_interface_unless_told(monkeypatch, tmp_path):
    from service.cli import listen_address
    from service.settings import from_environment

    monkeypatch.delenv("HOST", raising=False)
    assert from_environment(str(tmp_path))["HOST"] == "0.0.0.0"
    monkeypatch.setenv("HOST", "127.0.0.1")
    assert from_environment(str(tmp_path))["HOST"] == "127.0.0.1"
    assert listen_address("127.0.0.1", 5000) == "127.0.0.1:5000"
    assert listen_address("::1", 8000) == "[::1]:8000"
