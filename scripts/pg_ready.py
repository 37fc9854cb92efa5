"""Exit 0 when a PostgreSQL server answers at the given URL, 1 otherwise."""

import sys

import psycopg

url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432"
try:
    psycopg.connect(f"{url}/postgres", connect_timeout=3).close()
except psycopg.Error as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
