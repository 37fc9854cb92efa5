"""The API server killed hard in the middle of a booking rush loses no acknowledged booking,
and clients retrying with their idempotency keys book nothing twice.

A real uvicorn with two worker processes serves the test database (committed
data, so ``transaction=True``). Families book concurrently; once some have
their answer, the server's whole process group gets SIGKILL, with requests
still in flight. A new server starts, every family sends every one of its
requests again with the same key and body, and the rows are checked.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.db import connection
from django.db.models import Count, Q

from apps.api.tokens import api_token_issue
from apps.bookings.models import ACTIVE_STATUSES, Booking
from apps.facilities.models import Slot
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = 24
SLOTS = 3
SEATS = 8  # per slot: 24 seats for 72 requests
KILL_AFTER = 8  # acknowledged bookings before the kill
ANSWERED = (200, 201)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.real_clock,  # the server runs in its own processes, at the machine's time
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a server process and the test share the database only on PostgreSQL",
    ),
]


@pytest.fixture
def rush():
    """Three times, a family per prisoner, and a write token; the requests each family sends."""
    facility = factories.facility(name="Crash Prison", code="crash", min_notice_days=0)
    level = factories.level(facility, in_person_per_month=10)
    room = factories.room(facility, capacity=SEATS)
    slots = [
        factories.slot(facility, days_ahead=2 + n, capacity=SEATS, room=room) for n in range(SLOTS)
    ]
    families = []
    for n in range(FAMILIES):
        prisoner = factories.prisoner(facility, level=level)
        visitor = factories.visitor(with_user=False, full_name=f"Family {n}")
        factories.contact(visitor, prisoner)
        # Each family asks for every time, in its own order, each request with its own key.
        order = slots[n % SLOTS :] + slots[: n % SLOTS]
        families.append(
            [
                (
                    uuid.uuid4().hex,
                    {
                        "slot_id": slot.pk,
                        "prisoner_number": prisoner.number,
                        "visitor_ids": [visitor.pk],
                        "kind": "in_person",
                    },
                )
                for slot in order
            ]
        )
    token = api_token_issue(actor=None, facility=facility, name="Crash test", scope="write")
    return token.secret, families


def test_a_killed_server_loses_no_acknowledged_booking_and_retries_book_nothing_twice(
    rush, tmp_path
):
    secret, families = rush
    port = free_port()
    server = start_server(port, tmp_path / "server-1.log")
    try:
        first = asyncio.run(rush_then_kill(port, secret, families, server))
    finally:
        kill(server)
    acknowledged = {key: ref for key, (status, ref) in first.items() if status in ANSWERED}
    assert len(acknowledged) >= KILL_AFTER
    assert any(status == 0 for status, _ in first.values()), "the kill cut no request short"

    # Every acknowledged booking survived the kill.
    stored = dict(Booking.objects.values_list("idempotency_key", "reference"))
    assert {key: stored.get(key) for key in acknowledged} == acknowledged

    server = start_server(port, tmp_path / "server-2.log")
    try:
        second = asyncio.run(retry_all(port, secret, families))
    finally:
        kill(server)

    # Every retry was answered; an acknowledged one names the same booking.
    assert all(status in (*ANSWERED, 409, 422) for status, _ in second.values()), second
    for key, reference in acknowledged.items():
        assert second[key] == (200, reference)
    # Each booking in the database was acknowledged to its client by the end, once per key.
    stored = dict(Booking.objects.values_list("idempotency_key", "reference"))
    assert stored == {key: ref for key, (status, ref) in second.items() if status in ANSWERED}
    assert not (
        Booking.objects.values("created_by", "idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    active = Q(bookings__status__in=ACTIVE_STATUSES)
    for slot in Slot.objects.annotate(active=Count("bookings", filter=active)):
        assert slot.booked_count == slot.active <= slot.capacity


async def rush_then_kill(port, secret, families, server):
    """Every family sends its requests one after another; SIGKILL once some are answered."""
    outcomes: dict[str, tuple[int, str | None]] = {}
    answered = asyncio.Event()

    async def family(http, requests):
        for key, body in requests:
            outcomes[key] = await book(http, secret, key, body)
            if sum(1 for status, _ in outcomes.values() if status in ANSWERED) >= KILL_AFTER:
                answered.set()

    async def killer():
        await answered.wait()
        os.killpg(server.pid, signal.SIGKILL)

    async with client(port) as http:
        kill_task = asyncio.create_task(killer())
        await asyncio.gather(*(family(http, requests) for requests in families))
        await asyncio.wait_for(kill_task, timeout=5)
    return outcomes


async def retry_all(port, secret, families):
    outcomes: dict[str, tuple[int, str | None]] = {}

    async def family(http, requests):
        for key, body in requests:
            outcomes[key] = await book(http, secret, key, body)

    async with client(port) as http:
        await asyncio.gather(*(family(http, requests) for requests in families))
    return outcomes


async def book(http, secret, key, body) -> tuple[int, str | None]:
    """The answer's status and reference; status 0 when no answer came back."""
    try:
        response = await http.post(
            "/api/v1/bookings",
            json=body,
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key},
        )
    except httpx.TransportError:
        return 0, None
    reference = response.json().get("reference") if response.status_code in ANSWERED else None
    return response.status_code, reference


def client(port) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        timeout=httpx.Timeout(30.0),
        limits=httpx.Limits(max_connections=FAMILIES),
    )


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The test database (not the configured one) as a URL for the server process."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def start_server(port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "DB_POOL_MAX_SIZE": "4",
        "DEBUG": "false",
        "API_TOKEN_RATE": "100000/m",
        "VISITLINE_DATA_DIR": tempfile.mkdtemp(prefix="visitline-crash-"),
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)  # each worker counts its own rate; nothing else is shared
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
    command += ["--host=127.0.0.1", f"--port={port}", "--workers=2", "--no-access-log"]
    with log.open("w") as out:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_until_serving(server, port, log)
    return server


def wait_until_serving(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited at start:\n{log.read_text()[-3000:]}")
        try:
            # Any answer means a worker is serving; each request may reach either.
            status = httpx.get(f"http://127.0.0.1:{port}/api/v1/bookings", timeout=5).status_code
            if status == 401:  # the API answers: a worker serves (the other may follow)
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    kill(server)
    pytest.fail(f"the server did not start:\n{log.read_text()[-3000:]}")


def kill(server: subprocess.Popen) -> None:
    """Stop the whole process group, uvicorn's workers with it."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    server.wait()
