#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the project into it.
#
#   scripts/python-env.sh dev          pip install -e ".[dev]"
#   scripts/python-env.sh dev,bench    pip install -e ".[dev,bench]"
#
# pip runs only when pyproject.toml (or the extras asked for) changed since the last successful
# install of the same extras: the stamp file .venv/.fundapp-installed-<extras> holds its hash.
set -euo pipefail

EXTRAS="${1:-dev}"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3.11}"
STAMP="$VENV/.fundapp-installed-${EXTRAS//,/-}"

is_311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; }

if [ -x "$VENV/bin/python" ] && ! is_311 "$VENV/bin/python"; then
  echo "python env: $VENV is not Python 3.11; recreating it"
  rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    # Debian 12's python3 is 3.11.
    if command -v python3 >/dev/null 2>&1 && is_311 python3; then
      PYTHON=python3
    else
      echo "python env: Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2
      exit 1
    fi
  fi
  echo "python env: creating $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi

want="$( (sha256sum pyproject.toml; echo "extras=$EXTRAS") | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "python env: up to date (pyproject.toml unchanged since the last install)"
  exit 0
fi

echo "python env: pip install -e \".[$EXTRAS]\""
# Some machines list local package folders that do not exist (pip.conf); pip warns once per
# package about each. Drop only those lines; pipefail keeps pip's own exit status.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$EXTRAS]" 2>&1 |
  { grep -v "^WARNING: Location 'file://.*' is ignored" || true; }
echo "$want" >"$STAMP"
echo "python env: installed"
