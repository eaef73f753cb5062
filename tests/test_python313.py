"""On Python 3.13 a fresh install builds the engine, imports it and triages the vignettes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PUBLIC_VIGNETTES
from tests.test_packaging import ROOT, source_files

# Run by the installed service in a fresh virtualenv, far from the checkout.
TRIAGE_EACH = """
import json, sys
import durable_rules_engine
import service
from service import create_app
from service.store.database import initialise_database

app = create_app({"TESTING": True})
with app.app_context():
    initialise_database()
client = app.test_client()
answers = {}
for vignette in json.load(sys.stdin):
    response = client.post("/api/v1/triage", json=vignette["intake"])
    answers[vignette["id"]] = [response.status_code, response.get_json()]
print(json.dumps({"python": sys.version.split()[0], "service": service.__file__,
                  "engine": durable_rules_engine.__file__, "answers": answers}))
"""


def python_313() -> str | None:
    """A CPython 3.13 on this machine: this one, python3.13 on PATH, or pyenv's."""
    if sys.version_info[:2] == (3, 13):
        return sys.executable
    candidates = [shutil.which("python3.13")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        versions = Path(root, "versions")
        if versions.is_dir():
            candidates += sorted((str(p / "bin" / "python3.13") for p in versions.iterdir()
                                  if re.fullmatch(r"3\.13\.\d+", p.name)), reverse=True)
    for candidate in filter(None, candidates):
        # A pyenv shim exists on PATH but refuses to run a version that is not selected.
        if subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.mark.slow
def test_a_fresh_install_on_python_313_triages_the_public_vignettes(tmp_path):
    python = python_313()
    if python is None:
        if os.environ.get("CI"):  # .ci/run installs one first: its absence is a failure
            pytest.fail("no Python 3.13 on this CI machine")
        pytest.skip("no Python 3.13 on this machine (.ci/run installs one)")
    tree, venv = tmp_path / "tree", tmp_path / "venv"
    for name in source_files(".", "*"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    # The README's install path: the engine built as scripts/install.sh builds it.
    subprocess.run(["bash", str(tree / "scripts" / "build-engine.sh"), str(venv)], check=True,
                   timeout=600)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(tree)], check=True,
                   timeout=900)

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
           "SECRET_KEY": "test-only"}
    env.pop("PYTHONPATH", None)
    run = subprocess.run([str(venv / "bin" / "python"), "-c", TRIAGE_EACH], cwd=tmp_path,
                         env=env, input=json.dumps(PUBLIC_VIGNETTES), capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.splitlines()[-1])

    assert report["python"].startswith("3.13.")
    # The installed copy answered, not the checkout's.
    assert report["service"].startswith(str(venv)), report["service"]
    assert report["engine"].startswith(str(venv)), report["engine"]
    assert set(report["answers"]) == {v["id"] for v in PUBLIC_VIGNETTES}
    for vignette in PUBLIC_VIGNETTES:
        status, outcome = report["answers"][vignette["id"]]
        assert status == 200, (vignette["id"], outcome)
        assert outcome["triage_level"] in vignette["expect"]["levels"], vignette["id"]
        expect = vignette["expect"]
        if "routine" in expect:
            assert (outcome["routine"] is not None) == expect["routine"], vignette["id"]
        # Exercises come only from rules that fired in the engine, never from the fail-safe.
        chosen = {e["slug"] for e in (outcome["routine"] or {}).get("exercises", [])}
        assert set(expect.get("exercises_include", [])) <= chosen, vignette["id"]


@pytest.mark.slow
def test_a_broken_engine_in_pips_cache_is_neither_reused_nor_kept(tmp_path):
    """pip caches built wheels by interpreter version, not by build flags: a 3.13 wheel
    someone built without the mapping must not be what scripts/build-engine.sh installs."""
    python = python_313()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("no Python 3.13 on this CI machine")
        pytest.skip("no Python 3.13 on this machine (.ci/run installs one)")
    env = {**os.environ, "PIP_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("CPPFLAGS", None)
    plain, built = tmp_path / "plain", tmp_path / "built"
    for venv in (plain, built):
        subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    # The premise: built as it is, the engine installs and then cannot be imported, and
    # pip keeps that wheel in its cache.
    subprocess.run([str(plain / "bin" / "pip"), "install", "--quiet", "durable-rules==2.0.28"],
                   env=env, check=True, timeout=600)
    broken = subprocess.run([str(plain / "bin" / "python"), "-c", "import durable_rules_engine"],
                            capture_output=True, text=True)
    assert "PyEval_CallObject" in broken.stderr
    cached = sorted((tmp_path / "cache").rglob("durable_rules-*-cp313-*.whl"))
    assert len(cached) == 1

    subprocess.run(["bash", str(ROOT / "scripts" / "build-engine.sh"), str(built)], env=env,
                   check=True, timeout=600)
    subprocess.run([str(built / "bin" / "python"), "-c", "import durable.lang"], check=True)
    assert sorted((tmp_path / "cache").rglob("durable_rules-*-cp313-*.whl")) == cached
