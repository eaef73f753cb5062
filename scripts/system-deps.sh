#!/usr/bin/env bash
# What the machine itself must have, installed with apt when it is missing: one
# `apt-get update`, then one `apt-get install` of everything lacking.
#
#   scripts/system-deps.sh            to install and serve: gcc (durable-rules builds its
#                                     C core), Python's venv and headers (of $PYTHON)
#   scripts/system-deps.sh --tests    also Chromium (browser tests) and npm (axe-core)
#   scripts/system-deps.sh --tests --postgres    also PostgreSQL (.ci/run)
#
# Without root, sudo or apt, it says what is missing and how to install it. A missing
# build tool stops it; a missing test tool does not: those tests then skip, saying why.
set -euo pipefail

tests=0 postgres=0
for arg in "$@"; do
  case $arg in
    --tests) tests=1 ;;
    --postgres) postgres=1 ;;
    *) echo "usage: $0 [--tests] [--postgres]" >&2; exit 2 ;;
  esac
done

# The Python the service is installed with (scripts/install.sh): PYTHON, or python3.
# Debian names the packages of python3.13 python3.13-venv and python3.13-dev.
python=${PYTHON:-python3}
package=python3
[[ $python =~ ^python3\.[0-9]+$ ]] && package=$python

build=() extra=()
command -v gcc >/dev/null 2>&1 || build+=(gcc)
"$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || build+=("$package-venv")
"$python" -c 'import os, sysconfig
raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  2>/dev/null || build+=("$package-dev")
if ((tests)); then
  command -v chromium >/dev/null 2>&1 || extra+=(chromium)
  command -v npm >/dev/null 2>&1 || extra+=(npm)
fi
if ((postgres)); then
  command -v pg_ctlcluster >/dev/null 2>&1 || extra+=(postgresql)
fi
need=("${build[@]}" "${extra[@]}")
((${#need[@]})) || exit 0

if [[ $(id -u) == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  as_root=(none)
fi
if [[ ${as_root[*]} != none ]] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
  exit 0
fi

echo "this machine lacks: ${need[*]}" >&2
echo "install them (on Debian or Ubuntu: sudo apt-get install ${need[*]}) and run again" >&2
if ((${#build[@]})); then
  exit 1
fi
echo "going on without them: the tests that need them will skip and say so" >&2
