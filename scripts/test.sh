#!/usr/bin/env bash
# Install the service and its test tools into .venv, then run the whole test suite.
# What the machine lacks (a C compiler, Chromium, npm) is installed first, with apt.
# PYTHON chooses the interpreter (default python3), VENV the virtualenv (default .venv):
#   PYTHON=python3.13 VENV=.venv313 bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --tests
"${VENV:-.venv}/bin/python" -m pytest -q "$@"
