#!/usr/bin/env bash
# Creates the virtual environment and installs Visitline with its test tools.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
# Debian packages, installed only when missing (one `apt-get update` for all):
# GNU gettext compiles the translation catalogues; Chromium runs the browser
# tests and the page and video benchmarks (Playwright drives it: never
# `playwright install`); npm fetches axe-core for the accessibility tests.
debs=()
command -v msgfmt >/dev/null || debs+=(gettext)
[ -x /usr/lib/chromium/chromium ] || debs+=(chromium)
command -v npm >/dev/null || debs+=(npm)
# coturn relays video visits in tests/browser/test_video_relay.py; pgbench is
# the raw-SQL baseline of bench/booking_rush.py.
command -v turnserver >/dev/null || debs+=(coturn)
command -v pgbench >/dev/null || debs+=(postgresql-contrib)
# libfaketime runs the suite at a chosen instant (make test-at, scripts/test_at.sh).
command -v faketime >/dev/null || debs+=(faketime)
# Debian's python3 makes virtual environments only with python3-venv.
[ -x "$venv/bin/python" ] || "$python" -c "import ensurepip" 2>/dev/null || debs+=(python3-venv)
if [ ${#debs[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}"
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e '.[dev]'
# axe-core, injected into pages by tests/browser/test_accessibility.py.
if [ ! -f "$venv/npm/node_modules/axe-core/axe.min.js" ]; then
  npm install --prefix "$venv/npm" --no-audit --no-fund --silent axe-core@4.10.3
fi
