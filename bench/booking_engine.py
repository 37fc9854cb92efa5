"""Booking engine under real concurrency on PostgreSQL.

Run from the project root:

    python bench/booking_engine.py [--processes 8] [--seats 300] [--attempts 2000]
                                   [--database-url postgres://postgres@127.0.0.1:5432/visitline_bench]
                                   [--keep]

It creates a throw-away database, builds one facility with a few hundred
seats and a few hundred prisoners, and lets N processes call
``booking_create`` many more times than there are seats. It then checks the
invariants from the rows themselves (no slot overbooked, no allowance
overspent, counters equal to the bookings, one booking per request key) and
measures, in the same run, the raw SQL cost of the core seat write through
psycopg as a baseline. Figures go to ``bench/results/booking_engine.json`` and
``docs/benchmarks.md``. It exits non-zero if an invariant broke or any attempt
failed with something other than a refusal.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import platform
import random
import sys
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from docs_section import DOCS, replace_section  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "booking_engine.json"
HEADING = "## Booking engine (bench/booking_engine.py)"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/visitline_bench"

ACTIVE = ("booked", "checked_in", "in_progress")
RETRY_SHARE = 0.10
SLOT_CAPACITY = 10
MAX_ERRORS_KEPT = 3  # tracebacks kept per worker
BASELINE_RUNS = 5

# One day of visiting times (start, minutes, room): four back-to-back times in
# room A a prisoner can combine, and one in room B that overlaps two of them.
DAY_PATTERN = [
    (dt.time(9, 0), 45, "A"),
    (dt.time(10, 0), 45, "A"),
    (dt.time(14, 0), 45, "A"),
    (dt.time(15, 0), 45, "A"),
    (dt.time(9, 30), 45, "B"),
]


# --------------------------------------------------------------------------- database


def admin_conninfo(url: str) -> tuple[str, str]:
    """The URL of the server's ``postgres`` database, and the bench database's name."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = admin_conninfo(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = admin_conninfo(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Measure what production runs: no per-query debug log.
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


# --------------------------------------------------------------------------- scenario


def build_scenario(seats: int, prisoners: int) -> dict:
    """One facility, ``seats`` seats over several days, prisoners with approved families."""
    from apps.people.models import Contact, Prisoner, Visitor
    from lib.crypto import digest
    from lib.identity import resident_id_check_digit
    from tests import factories

    rng = random.Random(20261127)
    facility = factories.facility(
        name="Bench Prison", code="bench", min_notice_days=0, max_notice_days=28
    )
    # Two in-person visits a calendar month; the published minimum stays below.
    level = factories.level(facility, in_person_per_month=2, video_per_month=2)
    officer = factories.staff(facility)
    rooms = {
        "A": factories.room(facility, name="Room A", capacity=SLOT_CAPACITY),
        "B": factories.room(facility, name="Room B", capacity=SLOT_CAPACITY),
    }

    slot_count = math.ceil(seats / SLOT_CAPACITY)
    slot_ids = []
    for i in range(slot_count):
        start, minutes, room = DAY_PATTERN[i % len(DAY_PATTERN)]
        days_ahead = 1 + i // len(DAY_PATTERN)
        capacity = min(SLOT_CAPACITY, seats - i * SLOT_CAPACITY)
        slot = factories.slot(
            facility,
            days_ahead=days_ahead,
            start=start,
            minutes=minutes,
            capacity=capacity,
            room=rooms[room],
        )
        slot_ids.append(slot.pk)

    today = dt.date.today()
    people = Prisoner.objects.bulk_create(
        Prisoner(
            facility=facility,
            number=f"B{n:05d}",
            full_name=f"Prisoner {n}",
            unit=str(1 + n % 6),
            level=level,
            sentence_start=today - dt.timedelta(days=3 * 365),
            sentence_end=today + dt.timedelta(days=3 * 365),
        )
        for n in range(prisoners)
    )
    visitors, links = [], []
    for n, prisoner in enumerate(people):
        for k in range(rng.choice((1, 2))):
            born = dt.date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
            first17 = f"650102{born:%Y%m%d}{(n * 2 + k) % 1000:03d}"
            number = first17 + resident_id_check_digit(first17)
            visitors.append(
                Visitor(
                    full_name=f"Visitor {n}-{k}",
                    date_of_birth=born,
                    document_type="resident_id",
                    document_number=number,
                    document_digest=digest(number),
                    phone="+8613800138000",
                )
            )
            links.append(prisoner)
    visitors = Visitor.objects.bulk_create(visitors)
    Contact.objects.bulk_create(
        Contact(visitor=v, prisoner=p, relationship="parent", status=Contact.Status.APPROVED)
        for v, p in zip(visitors, links, strict=True)
    )
    family: dict[int, list[int]] = defaultdict(list)
    for v, p in zip(visitors, links, strict=True):
        family[p.pk].append(v.pk)
    return {
        "officer_id": officer.pk,
        "slot_ids": slot_ids,
        "seats": sum(min(SLOT_CAPACITY, seats - i * SLOT_CAPACITY) for i in range(slot_count)),
        "family": dict(family),
    }


# --------------------------------------------------------------------------- workers


def engine_worker(index: int, attempts: int, scenario: dict, barrier, queue) -> None:
    """Make ``attempts`` booking requests and report every outcome and latency."""
    from django.core.exceptions import ValidationError
    from django.db import connection

    from apps.accounts.models import User
    from apps.bookings.services import booking_create

    rng = random.Random(1000 + index)
    officer = User.objects.get(pk=scenario["officer_id"])
    slot_ids = scenario["slot_ids"]
    family = scenario["family"]
    prisoner_ids = sorted(family)
    # Warm up the connection and the first queries, untimed: a slot that does
    # not exist is refused before anything is written.
    with contextlib.suppress(ValidationError):
        booking_create(
            actor=officer,
            slot_id=0,
            prisoner_id=prisoner_ids[index % len(prisoner_ids)],
            visitor_ids=family[prisoner_ids[index % len(prisoner_ids)]],
            kind="in_person",
            idempotency_key=f"warm-up-{index}",
        )

    outcomes: Counter[str] = Counter()
    latencies: list[tuple[float, str]] = []
    errors: list[str] = []
    error_types: Counter[str] = Counter()
    history: list[tuple[str, dict, int | None]] = []  # key, arguments, booking id
    retries = 0

    barrier.wait()
    started = last_booked = time.perf_counter()
    for n in range(attempts):
        retry = None
        if history and rng.random() < RETRY_SHARE:
            # A client that lost the answer sends the same request again;
            # retrying one that booked is what exercises the replay path.
            booked_before = [h for h in history if h[2] is not None]
            retry = rng.choice(booked_before or history)
            retries += 1
            key, arguments, _ = retry
        else:
            key = f"w{index}-{n}"
            prisoner_id = rng.choice(prisoner_ids)
            party = family[prisoner_id]
            arguments = {
                "slot_id": rng.choice(slot_ids),
                "prisoner_id": prisoner_id,
                "visitor_ids": rng.sample(party, rng.randint(1, len(party))),
                "kind": "in_person",
            }
        t0 = time.perf_counter()
        booking_id = None
        try:
            booking = booking_create(actor=officer, idempotency_key=key, **arguments)
            booking_id = booking.pk
            if retry is not None and retry[2] is not None:
                outcome = "replayed" if booking.pk == retry[2] else "replay_mismatch"
            else:
                outcome = "booked"
        except ValidationError as exc:
            outcome = f"refused:{exc.code}"
        except Exception as exc:
            outcome = "error"
            error_types[type(exc).__name__] += 1
            if len(errors) < MAX_ERRORS_KEPT:
                errors.append(f"worker {index}, attempt {n}, key {key}:\n{traceback.format_exc()}")
            connection.close_if_unusable_or_obsolete()
        elapsed = (time.perf_counter() - t0) * 1000
        outcomes[outcome] += 1
        latencies.append((elapsed, outcome))
        if outcome == "booked":
            last_booked = time.perf_counter()
        if retry is None:
            history.append((key, arguments, booking_id))
    finished = time.perf_counter()
    connection.close()
    queue.put(
        {
            "index": index,
            "started": started,
            "finished": finished,
            "outcomes": dict(outcomes),
            "latencies": latencies,
            "errors": errors,
            "error_types": dict(error_types),
            "retries": retries,
            "last_booked": last_booked,
        }
    )


def baseline_worker(index: int, attempts: int, url: str, slot_ids, barrier, queue) -> None:
    """The core write alone: take a seat with a conditional UPDATE and record it."""
    import psycopg

    rng = random.Random(2000 + index)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        barrier.wait()
        started = time.perf_counter()
        for _ in range(attempts):
            slot_id = rng.choice(slot_ids)
            cur.execute(
                "UPDATE facilities_slot SET booked_count = booked_count + 1 "
                "WHERE id = %s AND booked_count < capacity",
                (slot_id,),
            )
            if cur.rowcount:
                cur.execute("INSERT INTO bench_scratch (slot_id) VALUES (%s)", (slot_id,))
            conn.commit()
        finished = time.perf_counter()
    queue.put({"index": index, "started": started, "finished": finished})


def run_processes(target, processes: int, attempts: int, extra: tuple) -> list[dict]:
    """Start ``processes`` workers together and collect their reports."""
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's socket
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes)
    queue = ctx.Queue()
    shares = [attempts // processes + (i < attempts % processes) for i in range(processes)]
    workers = [
        ctx.Process(target=target, args=(i, shares[i], *extra, barrier, queue))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    reports = []
    while len(reports) < processes:
        try:
            reports.append(queue.get(timeout=5))
        except Exception:
            if not any(w.is_alive() for w in workers) and queue.empty():
                break
    for w in workers:
        w.join()
    if len(reports) != processes:
        raise SystemExit(f"only {len(reports)} of {processes} workers reported; see stderr")
    return reports


def run_baseline(url: str, processes: int, attempts: int, slot_ids: list[int]) -> dict:
    """The raw write, run BASELINE_RUNS times from empty slots; the median run counts.

    One run takes well under a second, so a single one is mostly noise from
    process scheduling on a shared machine.
    """
    import psycopg

    runs = []
    for _ in range(BASELINE_RUNS):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_scratch (id bigserial PRIMARY KEY, slot_id bigint NOT NULL, "
                "at timestamptz NOT NULL DEFAULT now())"
            )
        reports = run_processes(baseline_worker, processes, attempts, (url, slot_ids))
        wall = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
        with psycopg.connect(url, autocommit=True) as conn:
            taken = conn.execute("SELECT count(*) FROM bench_scratch").fetchone()[0]
            conn.execute("DROP TABLE bench_scratch")
            conn.execute("UPDATE facilities_slot SET booked_count = 0")
        runs.append({"wall_s": wall, "tps": attempts / wall, "seats_taken": taken})
    median = sorted(runs, key=lambda r: r["tps"])[len(runs) // 2]
    return {
        **median,
        "tps_runs": [round(r["tps"], 1) for r in runs],
        "seats_taken_runs": [r["seats_taken"] for r in runs],
    }


# --------------------------------------------------------------------------- checks


def verify() -> dict:
    """Invariants read from the rows, not from the workers' counters."""
    from django.db.models import Count, Q

    from apps.bookings.models import AllowanceUsage, Booking
    from apps.facilities.models import Slot
    from apps.policy.selectors import allowance_on

    active = Q(bookings__status__in=ACTIVE)
    slots = Slot.objects.annotate(active=Count("bookings", filter=active))
    overbooked = sum(1 for s in slots if s.active > s.capacity)
    counter_mismatches = sum(1 for s in slots if s.booked_count != s.active)

    groups: dict[tuple, list[Booking]] = defaultdict(list)
    bookings = Booking.objects.filter(status__in=ACTIVE).select_related(
        "slot", "prisoner__facility", "prisoner__level"
    )
    limits = {}
    for b in bookings:
        allowance = allowance_on(b.prisoner, b.kind, b.slot.date)
        key = (b.prisoner_id, b.kind, allowance.period, allowance.start)
        groups[key].append(b)
        limits[key] = allowance.limit
    overspent = sum(1 for key, rows in groups.items() if len(rows) > limits[key])
    usage = {
        (u.prisoner_id, u.kind, u.period, u.period_start): u.used
        for u in AllowanceUsage.objects.all()
    }
    allowance_mismatches = sum(
        1 for key in set(usage) | set(groups) if usage.get(key, 0) != len(groups.get(key, ()))
    )

    overlapping = 0
    by_prisoner: dict[int, list[Booking]] = defaultdict(list)
    for b in bookings:
        by_prisoner[b.prisoner_id].append(b)
    for rows in by_prisoner.values():
        rows.sort(key=lambda b: b.starts_at)
        reach = None  # the latest end among the earlier bookings
        for b in rows:
            if reach is not None and b.starts_at < reach:
                overlapping += 1
            reach = b.ends_at if reach is None else max(reach, b.ends_at)

    duplicates = sum(
        row["n"] - 1
        for row in Booking.objects.values("created_by", "idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    return {
        "bookings": Booking.objects.count(),
        "overbooked": overbooked,
        "overspent": overspent,
        "overlapping": overlapping,
        "duplicates": duplicates,
        "counter_mismatches": counter_mismatches,
        "allowance_mismatches": allowance_mismatches,
    }


# --------------------------------------------------------------------------- reporting


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def write_docs(figures: dict) -> None:
    f = figures
    refusals = ", ".join(f"{code} {n}" for code, n in sorted(f["refusals"].items())) or "none"
    holds = (
        "No slot was overbooked, no allowance overspent and every counter matched its rows"
        if f["ok"]
        else "**Invariants broke or attempts failed in this run; see the JSON for the details**"
    )
    rows = [
        ("Processes / CPUs", f"{f['processes']} / {f['cpu_count']}"),
        ("Seats (slots)", f"{f['seats']} ({f['slots']})"),
        ("Attempts (of which retries)", f"{f['attempts']} ({f['retries']})"),
        ("New bookings", f["successes"]),
        ("Idempotent replays", f["replays"]),
        ("Refusals", refusals),
        ("Unexpected errors", f["errors"]),
        ("Wall time", f"{f['wall_s']:.2f} s"),
        ("bookings_per_s (over the whole run)", f"{f['bookings_per_s']:.1f}"),
        (
            "bookings per s while seats were left",
            f"{f['bookings_per_s_while_open']:.1f} (last booking at {f['fill_s']:.2f} s)",
        ),
        ("attempts_per_s", f"{f['attempts_per_s']:.1f}"),
        ("p50_ms / p99_ms (all attempts)", f"{f['p50_ms']:.1f} / {f['p99_ms']:.1f}"),
        (
            "p50_ms / p99_ms (new bookings)",
            f"{f['p50_ms_booked']:.1f} / {f['p99_ms_booked']:.1f}",
        ),
        (
            f"baseline_tps (raw UPDATE + INSERT, median of {len(f['baseline_tps_runs'])} runs)",
            f"{f['baseline_tps']:.1f}",
        ),
        ("ratio (attempts_per_s / baseline_tps)", f"{f['ratio']:.3f}"),
        ("overbooked / overspent", f"{f['overbooked']} / {f['overspent']}"),
        (
            "overlapping / duplicates",
            f"{f['overlapping']} / {f['duplicates']}",
        ),
        (
            "counter mismatches (slot / allowance)",
            f"{f['counter_mismatches']} / {f['allowance_mismatches']}",
        ),
    ]
    table = "\n".join(["| Figure | Value |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)])
    section = (
        f"{HEADING}\n\n"
        f"Command: `{f['command']}`  \n"
        f"Measured: {f['measured_at']} on {f['cpu_count']} CPUs, PostgreSQL {f['postgres']}.\n\n"
        f"{table}\n\n"
        f"{f['processes']} processes made {f['attempts']} booking requests for {f['seats']} "
        f"seats; {f['successes']} were booked and the rest refused with a reason. {holds}. "
        f"The engine handled {f['ratio']:.3f}× the request rate of the bare seat write in raw "
        f"SQL measured in the same run ({f['attempts_per_s']:.0f} against "
        f"{f['baseline_tps']:.0f} per second): the rest of each request is its rule checks, "
        f"row locks, allowance and audit writes, and the ORM. The machine is shared, so "
        f"compare the ratio between runs rather than the absolute rates.\n"
    )
    replace_section(HEADING, section)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--seats", type=int, default=300)
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--prisoners", type=int, default=300)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    _, name = admin_conninfo(args.database_url)
    if "bench" not in name:
        parser.error(f"refusing to drop and recreate {name!r}: the name must contain 'bench'")
    command = " ".join(
        ["python", "bench/booking_engine.py"]
        + [redact(a) if "://" in a else a for a in sys.argv[1:]]
    )

    print(f"Creating database {name} ...", flush=True)
    recreate_database(args.database_url)
    try:
        setup_django(args.database_url)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            postgres = cur.fetchone()[0].split()[0]
        scenario = build_scenario(args.seats, args.prisoners)
        seats = scenario["seats"]
        print(
            f"Scenario: {len(scenario['slot_ids'])} slots, {seats} seats, "
            f"{len(scenario['family'])} prisoners, "
            f"{sum(map(len, scenario['family'].values()))} visitors",
            flush=True,
        )

        print(
            f"Baseline: {args.processes} processes, {args.attempts} raw transactions "
            f"x {BASELINE_RUNS} runs ..."
        )
        baseline = run_baseline(
            args.database_url, args.processes, args.attempts, scenario["slot_ids"]
        )
        if any(taken != seats for taken in baseline["seats_taken_runs"]):
            print(f"  baseline anomaly: seats taken {baseline['seats_taken_runs']} of {seats}")

        print(f"Engine: {args.processes} processes, {args.attempts} booking_create calls ...")
        reports = run_processes(engine_worker, args.processes, args.attempts, (scenario,))
        checks = verify()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)

    started = min(r["started"] for r in reports)
    wall = max(r["finished"] for r in reports) - started
    # When the last seat was taken: the rate while seats were left to book.
    fill = max(r["last_booked"] for r in reports) - started
    outcomes: Counter[str] = Counter()
    error_types: Counter[str] = Counter()
    latencies: list[tuple[float, str]] = []
    errors: list[str] = []
    for r in sorted(reports, key=lambda r: r["index"]):
        outcomes.update(r["outcomes"])
        error_types.update(r["error_types"])
        latencies.extend(r["latencies"])
        errors.extend(r["errors"])
    attempts = sum(outcomes.values())
    successes = outcomes["booked"]
    refusals = {k.split(":", 1)[1]: n for k, n in sorted(outcomes.items()) if ":" in k}
    all_ms = [ms for ms, _ in latencies]
    booked_ms = [ms for ms, outcome in latencies if outcome == "booked"]

    figures = {
        "bookings_per_s": round(successes / wall, 2),
        "p50_ms": round(percentile(all_ms, 50), 2),
        "p99_ms": round(percentile(all_ms, 99), 2),
        "overbooked": checks["overbooked"],
        "overspent": checks["overspent"],
        "attempts": attempts,
        "successes": successes,
        "replays": outcomes["replayed"],
        "replay_mismatches": outcomes["replay_mismatch"],
        "retries": sum(r["retries"] for r in reports),
        "refusals": refusals,
        "errors": outcomes["error"],
        "error_types": dict(error_types),
        "processes": args.processes,
        "seats": seats,
        "slots": len(scenario["slot_ids"]),
        "prisoners": len(scenario["family"]),
        "wall_s": round(wall, 3),
        "fill_s": round(fill, 3),
        "bookings_per_s_while_open": round(successes / fill, 2) if fill > 0 else 0.0,
        "attempts_per_s": round(attempts / wall, 2),
        "p50_ms_booked": round(percentile(booked_ms, 50), 2),
        "p99_ms_booked": round(percentile(booked_ms, 99), 2),
        "baseline_tps": round(baseline["tps"], 2),
        "baseline_wall_s": round(baseline["wall_s"], 3),
        "baseline_tps_runs": baseline["tps_runs"],
        "ratio": round(attempts / wall / baseline["tps"], 4),
        "bookings_in_db": checks["bookings"],
        "overlapping": checks["overlapping"],
        "duplicates": checks["duplicates"],
        "counter_mismatches": checks["counter_mismatches"],
        "allowance_mismatches": checks["allowance_mismatches"],
        "command": command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": postgres,
    }
    failures = []
    for key in ("overbooked", "overspent", "overlapping", "duplicates", "errors"):
        if figures[key]:
            failures.append(f"{key}={figures[key]}")
    if figures["replay_mismatches"]:
        failures.append(f"replay_mismatches={figures['replay_mismatches']}")
    if figures["counter_mismatches"] or figures["allowance_mismatches"]:
        failures.append(
            f"counter_mismatches={figures['counter_mismatches']}, "
            f"allowance_mismatches={figures['allowance_mismatches']}"
        )
    if checks["bookings"] != successes:
        failures.append(f"bookings_in_db={checks['bookings']} but successes={successes}")
    figures["ok"] = not failures

    print()
    print(f"attempts          {attempts} ({figures['retries']} retries of an earlier key)")
    print(f"successes         {successes} new bookings, {figures['replays']} replays")
    for code, n in refusals.items():
        print(f"refused           {code}: {n}")
    print(f"errors            {figures['errors']} {dict(error_types) or ''}")
    print(f"wall time         {wall:.2f} s")
    print(f"bookings_per_s    {figures['bookings_per_s']:.1f}")
    print(
        f"while seats left  {figures['bookings_per_s_while_open']:.1f} bookings/s "
        f"(last booking after {fill:.2f} s)"
    )
    print(f"attempts_per_s    {figures['attempts_per_s']:.1f}")
    print(f"latency all       p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms")
    print(
        f"latency booked    p50 {figures['p50_ms_booked']:.1f} ms, "
        f"p99 {figures['p99_ms_booked']:.1f} ms"
    )
    print(
        f"baseline_tps      {figures['baseline_tps']:.1f} (raw UPDATE + INSERT, same processes; "
        f"median of {figures['baseline_tps_runs']})"
    )
    print(f"ratio             {figures['ratio']:.3f} (attempts_per_s / baseline_tps)")
    print(f"overbooked        {figures['overbooked']}")
    print(f"overspent         {figures['overspent']}")
    print(f"overlapping       {figures['overlapping']}")
    print(f"duplicates        {figures['duplicates']}")
    print(
        f"counter mismatch  slots {figures['counter_mismatches']}, "
        f"allowances {figures['allowance_mismatches']}"
    )
    for text in errors[:5]:
        print("\n" + text, file=sys.stderr)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_docs(figures)
    print(f"\nWrote {RESULTS.relative_to(ROOT)} and {DOCS.relative_to(ROOT)}")
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("OK: every invariant held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
