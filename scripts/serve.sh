#!/usr/bin/env bash
# Install the service into .venv and run it (SQLite in ./instance, port $PORT or 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh  # a C compiler and Python's venv, with apt, if missing
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
exec .venv/bin/sciatica-triage serve "$@"
