#!/usr/bin/env bash
# Build the rules engine, durable-rules, into the virtualenv VENV when that Python needs
# it built specially; elsewhere do nothing (pip installs it with the project).
#
#   scripts/build-engine.sh VENV
#
# durable-rules 2.0.28 (its last release) calls PyEval_CallObject, which CPython 3.13
# removed: built as it is, it compiles but fails on import with "undefined symbol:
# PyEval_CallObject". Its setup.py overwrites CFLAGS but passes CPPFLAGS on, so on 3.13
# we map the call to PyObject_CallObject, its replacement with the same arguments, for
# this one build only: nobody's environment changes.
#
# --no-cache-dir: pip's wheel cache is keyed by the interpreter's version, not by the
# flags, so a wheel someone built for 3.13 without the mapping (broken) would be taken
# from the cache; and a wheel built here is not put in the cache for others either.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:?usage: $0 VENV}
python=$venv/bin/python

"$python" -c 'import sys; raise SystemExit(sys.version_info < (3, 13))' || exit 0
# Already built and importable: nothing to do (a broken build is rebuilt below).
"$python" -c 'import durable_rules_engine' 2>/dev/null && exit 0

# The version pyproject.toml pins, so the two can never disagree.
engine=$(grep -o 'durable-rules==[0-9.]*' pyproject.toml)
echo "building $engine for Python $("$python" -c 'import sys; print(sys.version.split()[0])')" \
  "(PyEval_CallObject mapped to PyObject_CallObject)"
CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject${CPPFLAGS:+ $CPPFLAGS}" \
  "$venv/bin/pip" install -q --no-cache-dir --force-reinstall --no-deps --no-binary durable-rules \
  "$engine"
"$python" -c 'import durable_rules_engine' || {
  echo "$engine built but does not import on this Python: see the README (Python versions)" >&2
  exit 1
}
