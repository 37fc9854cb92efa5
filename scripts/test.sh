#!/usr/bin/env bash
# The whole suite: lint and types, then the tests on SQLite and on PostgreSQL.
#
# PostgreSQL is the local server (VISITLINE_TEST_PG, default
# postgres://postgres@127.0.0.1:5432); each run gets a database of its own.
# With CI=true an unreachable server fails the run; elsewhere that half is
# skipped with the reason, so a newcomer without PostgreSQL still gets a run.
set -euo pipefail
venv=${1:-.venv}
bin="$venv/bin"
pg_server=${VISITLINE_TEST_PG:-postgres://postgres@127.0.0.1:5432}

"$bin/python" manage.py compilemessages --ignore ".venv" -v 0

echo "== lint and types"
"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy" .
"$bin/lint-imports"  # the layers in pyproject.toml ([tool.importlinter])
"$bin/python" manage.py makemigrations --check --dry-run >/dev/null
"$bin/python" manage.py check

echo "== tests on SQLite"
sqlite_dir=$(mktemp -d)
# A file, not memory, so that the concurrency tests' threads share one database.
DATABASE_URL="sqlite:///$sqlite_dir/visitline.sqlite3" SQLITE_TEST_NAME="$sqlite_dir/test.sqlite3" \
  "$bin/pytest" "${@:2}"

echo "== tests on PostgreSQL"
if "$bin/python" scripts/pg_ready.py "$pg_server"; then
  DATABASE_URL="$pg_server/visitline_run_$$" "$bin/pytest" --create-db "${@:2}"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at $pg_server is unreachable, and CI needs it: failing." >&2
  exit 1
else
  echo "SKIPPED the PostgreSQL half: no server answers at $pg_server (set VISITLINE_TEST_PG to point at one)."
fi
