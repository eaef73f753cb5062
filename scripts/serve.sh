#!/usr/bin/env bash
# Install the service into .venv and run it (SQLite in ./instance, port $PORT or 5000).
# PYTHON chooses the interpreter (default python3), VENV the virtualenv (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec "${VENV:-.venv}/bin/sciatica-triage" serve "$@"
