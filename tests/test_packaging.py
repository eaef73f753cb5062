"""The built wheel carries everything an installed service reads from its own files."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    # From a copy of the tracked files: a build in the checkout would also pick up what
    # an earlier build or editable install left there (egg-info lists of files).
    tree, out = tmp_path_factory.mktemp("tree"), tmp_path_factory.mktemp("wheel")
    for name in source_files(".", "*"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(out), str(tree)], check=True, timeout=300)
    (wheel,) = out.glob("sciatica_triage-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def source_files(folder: str, *patterns: str) -> set[str]:
    """Files under `folder` (relative to the repository) tracked by git and present."""
    listed = subprocess.run(["git", "ls-files", "-z", folder], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.split("\0")
    return {name for name in listed if name and (ROOT / name).is_file()
            and any(Path(name).match(p) for p in patterns)}


@pytest.mark.slow
def test_the_wheel_carries_every_migration(wheel_files):
    """`sciatica-triage db upgrade` is the Procfile's release step: from an installed
    wheel it needs the migrations folder inside the package."""
    migrations = source_files("service/store/migrations", "*")
    assert {"service/store/migrations/env.py", "service/store/migrations/alembic.ini",
            "service/store/migrations/script.py.mako"} <= migrations
    assert any(name.startswith("service/store/migrations/versions/") for name in migrations)
    assert migrations - wheel_files == set()


@pytest.mark.slow
def test_the_wheel_carries_the_knowledge_base_templates_and_static_files(wheel_files):
    needed = (source_files("rules/knowledge", "*.yaml")
              | source_files("service/patient/templates", "*")
              | source_files("service/patient/static", "*")
              | source_files("admin/templates", "*") | source_files("admin/static", "*"))
    assert needed
    assert needed - wheel_files == set()
