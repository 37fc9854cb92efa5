"""The families' side of bench/booking_rush.py: processes of asyncio clients booking over HTTP.

Each process runs its share of the clients as coroutines on one httpx
AsyncClient, every client sending its attempts one after the other. About
one attempt in ten sends an earlier request again with the same
Idempotency-Key and body, as a client that lost the answer would. A process
reports every attempt (latency, status, key, reference) and its own CPU time,
so the bench can tell whether the clients, not the server, set the pace.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

TRANSPORT_RETRIES = 2  # an attempt whose connection broke is sent again this often at most


@dataclass(frozen=True)
class Plan:
    """What the clients book: the server, the token, the slots and the families."""

    base_url: str
    token: str
    slot_ids: list[int]
    families: list[tuple[str, list[int]]]  # prisoner number, visitor ids
    retry_share: float
    watch_pids: tuple[int, ...] = ()  # the server's processes, whose CPU is measured


def attempts_for(plan: Plan, seed: int, count: int) -> list[tuple[str, dict, bool]]:
    """One client's attempts: (key, body, is_retry); a retry repeats an earlier one exactly."""
    rng = random.Random(seed)
    attempts: list[tuple[str, dict, bool]] = []
    for _ in range(count):
        if attempts and rng.random() < plan.retry_share:
            key, body, _retry = rng.choice(attempts)
            attempts.append((key, body, True))
            continue
        number, visitors = rng.choice(plan.families)
        body = {
            "slot_id": rng.choice(plan.slot_ids),
            "prisoner_number": number,
            "visitor_ids": visitors,
            "kind": "in_person",
        }
        attempts.append((uuid.UUID(int=rng.getrandbits(128)).hex, body, False))
    return attempts


async def _client(http, headers: dict, attempts, records: list) -> None:
    for key, body, retry in attempts:
        t0 = time.perf_counter()
        for tries_left in range(TRANSPORT_RETRIES, -1, -1):
            try:
                response = await http.post(
                    "/api/v1/bookings", json=body, headers={**headers, "Idempotency-Key": key}
                )
                status = response.status_code
                reference = response.json().get("reference") if status in (200, 201) else None
                code = "" if status in (200, 201) else _problem_code(response)
                break
            except Exception as exc:  # a reset connection is an outcome to count, not a crash
                status, reference, code = 0, None, type(exc).__name__
                # A keep-alive connection the server closed as the request left: the
                # client sends it again with the same key, which is what keys are for.
                if not tries_left:
                    break
        records.append(((time.perf_counter() - t0) * 1000, status, key, reference, retry, code))


def _problem_code(response) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return ""


async def _run(plan: Plan, index: int, clients: int, attempts: int, barrier) -> dict:
    import httpx

    headers = {
        "Authorization": f"Bearer {plan.token}",
        # Behind the TLS-terminating proxy production runs behind.
        "X-Forwarded-Proto": "https",
    }
    shares = [attempts // clients + (i < attempts % clients) for i in range(clients)]
    plans = [attempts_for(plan, 1000 * index + i, n) for i, n in enumerate(shares)]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=plan.base_url, limits=limits, timeout=httpx.Timeout(60.0)
    ) as http:
        # Warm up every connection and worker, untimed: an unknown slot writes nothing.
        warm = {"slot_id": 999_999_999, "prisoner_number": "none", "visitor_ids": [1]}
        await asyncio.gather(
            *(
                http.post(
                    "/api/v1/bookings",
                    json={**warm, "kind": "in_person"},
                    headers={**headers, "Idempotency-Key": f"warm-{index}-{i}"},
                )
                for i in range(clients)
            )
        )
        await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
        records: list = []
        postgres = postgres_pids()
        ticks0 = (*machine_ticks(), cpu_ticks(plan.watch_pids), cpu_ticks(postgres))
        cpu0, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(_client(http, headers, p, records) for p in plans))
        finished, cpu = time.perf_counter(), time.process_time() - cpu0
        ticks1 = (*machine_ticks(), cpu_ticks(plan.watch_pids), cpu_ticks(postgres))
    return {
        "index": index,
        "started": started,
        "finished": finished,
        "wall_s": finished - started,
        "cpu_s": cpu,
        "ticks": dict(
            zip(
                ("all", "idle", "watched", "postgres"),
                map(int.__sub__, ticks1, ticks0),
                strict=True,
            )
        ),
        "records": records,
    }


def client_process(plan: Plan, index: int, clients: int, attempts: int, barrier, queue) -> None:
    queue.put(asyncio.run(_run(plan, index, clients, attempts, barrier)))


def cpu_ticks(pids: tuple[int, ...]) -> int:
    """User and system clock ticks of these processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total


def postgres_pids() -> tuple[int, ...]:
    """PostgreSQL's processes on this machine (the server's pool keeps its backends open)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                found.append(int(entry.name))
        except OSError:
            pass
    return tuple(found)


def machine_ticks() -> tuple[int, int]:
    """All and idle clock ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(values), values[3] + values[4]
