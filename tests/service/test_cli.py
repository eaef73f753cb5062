"""The command line: triage a file or standard input, initialise the database."""

import json

from service.cli import main


def test_triage_reads_standard_input_and_prints_the_outcome(runner, vignettes):
    ces = next(v for v in vignettes if v["id"] == "ces-saddle-bladder")
    result = runner.invoke(args=["triage", "-"], input=json.dumps(ces["intake"]))
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["triage_level"] == "emergency"
    assert body["routine"] is None


def test_triage_reads_a_file(runner, intake, tmp_path):
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake))
    result = runner.invoke(args=["triage", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.output)["triage_level"] == "self_care"


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
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from tests.gunicorn_server import free_port

    port = free_port()
    env = {**os.environ, "PORT": str(port), "SECRET_KEY": "test-only",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    command = [str(Path(sys.executable).parent / "sciatica-triage"), "serve", "--workers", "1"]
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
    assert "create-user" in stderr  # how to make the first clinician account
    assert (tmp_path / "fresh.db").exists()
