"""Under threads and version swaps the engine neither crashes nor answers wrong, and
leaves nothing behind. Each runs in a child process so a crash fails the test, not pytest."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_child(module: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_eight_threads_while_versions_swap_every_50ms_for_10s():
    child = run_child("tests.rules.soak_child", "10", "8", "0.05", timeout=120)
    assert child.returncode == 0, f"exit {child.returncode}\n{child.stdout}\n{child.stderr}"
    evaluations = int(child.stdout.split("evaluations=")[1].split()[0])
    assert evaluations > 10_000  # the threads really ran throughout


@pytest.mark.slow
def test_memory_stays_flat_over_100k_evaluations():
    child = run_child("tests.rules.memory_child", "100000", timeout=300)
    assert child.returncode == 0, child.stderr
    before, after = map(int, child.stdout.split())
    assert after <= before * 1.05 + 1024, f"RSS grew from {before} KiB to {after} KiB"
