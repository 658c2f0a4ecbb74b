#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (Rasa 3.6 needs >=3.8,<3.11), or says what to install.
# Order: $PYTHON, python3.10 on PATH, pyenv's versions folder, common system locations.
set -u

# Compare what the interpreter prints: a program that merely exits 0 is not a Python 3.10.
is_py310() { [ "$("$1" -c 'import sys, venv; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "3.10" ]; }

if [ -n "${PYTHON:-}" ]; then
  if is_py310 "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
  echo "error: PYTHON=$PYTHON is not a working Python 3.10 with venv; unset it or point it at one." >&2
  exit 1
fi

candidates=(python3.10)
pyenv_root=$( (command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null) || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for d in "$pyenv_root"/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10 /opt/homebrew/bin/python3.10 python3 python; do
  candidates+=("$d")
done

for c in "${candidates[@]}"; do
  # A pyenv shim answers on PATH but fails when 3.10 is not selected, so run it rather than trust `command -v`.
  if is_py310 "$c"; then
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done

echo "error: Python 3.10 not found. Install it (e.g. 'pyenv install 3.10.13' or your system's python3.10 and python3.10-venv), or run with PYTHON=/path/to/python3.10." >&2
exit 1
