#!/usr/bin/env bash
# Install the service into a virtualenv, with what the machine lacks first (apt).
#
#   scripts/install.sh            the service alone (scripts/serve.sh)
#   scripts/install.sh --tests    and its test tools, Chromium and npm (scripts/test.sh)
#
# PYTHON chooses the interpreter (default python3; 3.11, 3.12 or 3.13), VENV the folder
# (default .venv). A VENV made by another Python version is made again, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=() deps=()
for arg in "$@"; do
  case $arg in
    --tests) extras=("[test]") deps=(--tests) ;;
    *) echo "usage: $0 [--tests]" >&2; exit 2 ;;
  esac
done
PYTHON=${PYTHON:-python3}
venv=${VENV:-.venv}

# PYTHON as given when it runs; else, for a name like python3.13, pyenv's newest 3.13
# (pyenv's shims refuse a version that is installed but not selected).
find_python() {
  "$PYTHON" -c '' >/dev/null 2>&1 && return 0
  [[ $PYTHON =~ ^python([0-9]+\.[0-9]+)$ ]] && command -v pyenv >/dev/null 2>&1 || return 1
  local found
  found=$(find "$(pyenv root)/versions" -mindepth 3 -maxdepth 3 -path "*/bin/$PYTHON" \
            2>/dev/null | grep -E "/versions/${BASH_REMATCH[1]//./\\.}\.[0-9]+/bin/" \
            | sort -V | tail -1)
  [[ -n $found ]] && PYTHON=$found
}
find_python || true
export PYTHON
bash scripts/system-deps.sh "${deps[@]}"  # may install PYTHON itself, where apt has it
find_python || { echo "cannot run PYTHON=$PYTHON: install it, or name another" >&2; exit 1; }

version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case $version in
  3.11|3.12|3.13) ;;
  *) echo "Python $version cannot run the service: it needs 3.11, 3.12 or 3.13" \
          "(the README says why). Choose one with PYTHON=..." >&2; exit 1 ;;
esac
if [[ -x $venv/bin/python ]]; then
  had=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' \
          2>/dev/null || echo none)
  if [[ $had != "$version" ]]; then
    echo "$venv was made with Python $had: making it again with Python $version"
    "$PYTHON" -m venv --clear "$venv"
  fi
else
  "$PYTHON" -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
bash scripts/build-engine.sh "$venv"  # durable-rules on 3.13 needs building specially
"$venv/bin/pip" install -q -e ".${extras[*]}"
