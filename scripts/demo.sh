#!/usr/bin/env bash
# The demo's two processes: the task worker in the background and the ASGI
# server in front. Ctrl-C (or the server exiting) stops both.
set -euo pipefail
bin=${1:-.venv/bin}
host=${2:-127.0.0.1}
port=${3:-8000}

"$bin/python" manage.py scheduler_start
"$bin/python" manage.py db_worker --no-reload --interval 1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
# Forwarded headers are judged by the application (TRUSTED_PROXIES), never by the server.
"$bin/uvicorn" config.asgi:application --host "$host" --port "$port" --no-proxy-headers
