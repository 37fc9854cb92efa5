"""The real worker process (`manage.py db_worker`) killed mid-send loses nothing and duplicates nothing.

Everything runs in child processes against a SQLite file of its own, so this
test needs no shared test database: migrate, queue messages, start the worker
with an SMS backend that pauses after delivering, SIGKILL it while a message
is delivered but not yet recorded, start it again, and read the 'phone'.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 6


@pytest.fixture
def child_env(tmp_path):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        VISITLINE_DATA_DIR=str(tmp_path / "data"),
        SMS_BACKEND="tests.worker_scenario.SlowFileBackend",
        SMS_FILE_PATH=str(tmp_path / "sms.jsonl"),
        PAUSED_FILE=str(tmp_path / "paused"),
        MESSAGE_LEASE_SECONDS="2",
        SCHEDULER_INTERVAL_SECONDS="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    run(env, "manage.py", "migrate", "--noinput", "-v", "0")
    return env


def run(env, *args):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def start_worker(env):
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "-v",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def delivered(env) -> list[str]:
    path = Path(env["SMS_FILE_PATH"])
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text().splitlines() if line.strip()]


def states(env) -> dict[str, list]:
    return json.loads(run(env, "-m", "tests.worker_scenario", "report").stdout)


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_killed_mid_send_loses_nothing_and_duplicates_nothing(child_env):
    run(child_env, "-m", "tests.worker_scenario", "queue", str(MESSAGES))
    paused = Path(child_env["PAUSED_FILE"])
    worker = start_worker(dict(child_env, PAUSE_AFTER_DELIVERIES="3"))
    try:
        # Kill it just after a delivery, while the backend holds before the state is recorded.
        assert wait_for(paused.exists, timeout=60)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    before = states(child_env)
    stuck = [pk for pk, (state, _attempts) in before.items() if state == "sending"]
    assert len(stuck) == 1, before  # the kill landed in the middle of a send
    assert paused.read_text() == f"visitline-message-{stuck[0]}"  # ...after delivering it
    assert f"visitline-message-{stuck[0]}" in delivered(child_env)

    run(child_env, "manage.py", "scheduler_start")  # the sweep re-claims what the dead worker held
    worker = start_worker(child_env)
    try:
        assert wait_for(
            lambda: all(state == "sent" for state, _ in states(child_env).values()), timeout=90
        ), states(child_env)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    keys = delivered(child_env)
    assert sorted(keys) == sorted(f"visitline-message-{pk}" for pk in before)
    assert len(keys) == len(set(keys)) == MESSAGES
