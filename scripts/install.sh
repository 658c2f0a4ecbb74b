#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned packages. Skipped when nothing changed.
set -uo pipefail
cd "$(dirname "$0")/.."

venv_ok() { [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

if ! venv_ok; then
  py=$(scripts/find-python.sh) || exit 1
  echo "creating .venv with $py"
  rm -rf .venv
  "$py" -m venv .venv || { echo "error: could not create .venv with $py: install the venv module (e.g. apt-get install python3.10-venv)." >&2; exit 1; }
fi

echo "installing pinned packages from requirements.lock (pip keeps downloads in its cache)"
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock; then
  echo "error: package install failed (see pip's message above). Check the network to the package index, then run 'make install' again." >&2
  exit 1
fi

scripts/install-web.sh runtime || exit 1
touch .venv/.installed
