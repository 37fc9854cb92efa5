#!/usr/bin/env bash
# Creates the virtual environment and installs Visitline with its test tools.
set -euo pipefail
# GNU gettext compiles the translation catalogues (Debian package).
if ! command -v msgfmt >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext
fi
python=${1:-python3}
venv=${2:-.venv}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e '.[dev]'
