#!/usr/bin/env bash
# The SQLite half of the suite as if the machine's clock read WHEN, to prove that
# no test depends on the day it runs:
#
#   bash scripts/test_at.sh .venv "2027-02-28 23:55 Asia/Urumqi" [pytest arguments]
#
# WHEN is a local date and time, then a time zone (UTC if none). libfaketime
# (Debian `faketime`) moves the whole process tree's clock by the same offset, the
# test servers and browsers included, and lets it run on. Its monotonic clock is moved too:
# left real (FAKETIME_DONT_FAKE_MONOTONIC), every sleep fails with EINVAL.
# TEST_AT_DB=postgres runs the PostgreSQL half instead (its server keeps the real
# clock, which the project never reads).
set -euo pipefail
venv=${1:-.venv}
when=${2:?"say when, e.g. \"2027-02-28 23:55 Asia/Urumqi\""}
bin="$venv/bin"

# The instant in UTC, and how far it is from now in whole seconds.
read -r utc offset < <("$bin/python" - "$when" <<'PY'
import datetime as dt
import sys
from zoneinfo import ZoneInfo

parts = sys.argv[1].split()
try:
    zone = ZoneInfo(parts[-1])
    parts.pop()
except (ValueError, KeyError):  # no zone named: UTC
    zone = dt.UTC
local = dt.datetime.fromisoformat(" ".join(parts)).replace(tzinfo=zone)
offset = round((local - dt.datetime.now(dt.UTC)).total_seconds())
print(local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"), f"{offset:+d}")
PY
)

"$bin/python" manage.py compilemessages --ignore ".venv" -v 0
# An offset, not a start instant ("@..."): with "@" each process started later
# began again at WHEN, so a server or worker started by a test ran behind it.
faked=(env TZ=UTC faketime -f "$offset")
if [ "${TEST_AT_DB:-sqlite}" = "postgres" ]; then
  # The test processes at WHEN, the database server at its own time: the project
  # never asks the database for the time, so the two cannot disagree.
  pg_server=${VISITLINE_TEST_PG:-postgres://postgres@127.0.0.1:5432}
  echo "== tests on PostgreSQL with the clock at $when ($utc UTC)"
  DATABASE_URL="$pg_server/visitline_at_$$" "${faked[@]}" "$bin/pytest" --create-db -p no:cacheprovider "${@:3}"
else
  echo "== tests on SQLite with the clock at $when ($utc UTC)"
  sqlite_dir=$(mktemp -d)
  DATABASE_URL="sqlite:///$sqlite_dir/visitline.sqlite3" SQLITE_TEST_NAME="$sqlite_dir/test.sqlite3" \
    "${faked[@]}" "$bin/pytest" -p no:cacheprovider "${@:3}"
fi
