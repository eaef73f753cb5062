"""What a newcomer meets first: the README's example intake and the repository's hygiene."""

import json
import re
import subprocess
from pathlib import Path

from service.triage.parsing import parse_json_object, validate_intake

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def test_the_readme_triages_an_example_intake_that_ships():
    commands = re.findall(r"\.venv/bin/sciatica-triage triage (?:--[\w-]+ )*(\S+)", README)
    assert commands, "the README shows how to triage a file"
    for name in commands:
        assert name != "-"
        path = ROOT / name
        assert path.is_file(), f"the README names {name}, which does not exist"
        validate_intake(parse_json_object(path.read_bytes()))  # a valid intake, as written


def test_the_example_intake_is_tracked_by_git():
    listed = subprocess.run(["git", "ls-files", "examples/intake.json"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    assert listed.strip() == "examples/intake.json"
    assert json.loads((ROOT / "examples" / "intake.json").read_text())["age"]


def test_files_the_tools_write_are_ignored():
    for written in (".schemathesis/report.json", ".venv313/bin/python", "instance/x.db"):
        ignored = subprocess.run(["git", "check-ignore", "-q", written], cwd=ROOT)
        assert ignored.returncode == 0, f"{written} is not in .gitignore"


def test_the_readme_says_serve_listens_on_every_interface_and_how_not_to():
    assert "every interface" in README
    assert "--host 127.0.0.1" in README
