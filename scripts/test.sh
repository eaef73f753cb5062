#!/usr/bin/env bash
# Install the service and its test tools into .venv, then run the whole test suite.
# What the machine lacks (a C compiler, Chromium, npm) is installed first, with apt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh --tests
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test]"
.venv/bin/python -m pytest -q "$@"
