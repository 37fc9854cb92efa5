"""A rush of families booking through the JSON API, beside the raw-SQL limit of the same work.

Run from the project root:

    python bench/booking_rush.py [--workers 4] [--clients 200] [--attempts 4000]
                                 [--client-processes 2] [--pool-size 8]
                                 [--database-url postgres://postgres@127.0.0.1:5432/visitline_rush]

It creates a throw-away PostgreSQL database, seeds one facility with about a
thousand seats over many slots and a few thousand prisoners each with an
approved visitor, issues a write token, and starts the ASGI server as
production runs it (``uvicorn config.asgi:application --workers N``,
VISITLINE_ENV=production, DEBUG off, a connection pool per process, Redis for
the shared rate-limit counters). Client processes then make the booking
attempts with Idempotency-Keys, some of them retries of an earlier key.

In the same database and run, pgbench runs the same transaction as raw SQL
(bench/booking_rush.sql: the statements booking_create sends, in its order,
with its refusals) from empty slots; the API's rate over pgbench's is the
ratio. The locks and writes alone (bench/booking_rush_writes.sql) are run
too, as a floor under any booking's cost. Afterwards the rows themselves are checked: no slot overbooked, every
counter equal to its bookings, every acknowledged booking present, no key
booked twice. Figures go to bench/results/booking_rush.json and
docs/benchmarks.md; the exit status is non-zero if an invariant broke.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from booking_engine import admin_conninfo, drop_database, percentile, recreate_database, redact
from docs_section import DOCS, replace_section  # bench/ is on the path when run as a script
from rush_clients import Plan, client_process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "booking_rush.json"
SCRIPT = ROOT / "bench" / "booking_rush.sql"
WRITES_ONLY = ROOT / "bench" / "booking_rush_writes.sql"
HEADING = "## Booking rush over the API (bench/booking_rush.py)"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/visitline_rush"
ACTIVE = ("booked", "checked_in", "in_progress")
TIMES = [dt.time(9, 0), dt.time(10, 0), dt.time(11, 0), dt.time(14, 0), dt.time(15, 0)]


def production_env(url: str, pool_size: int, redis_url: str) -> dict[str, str]:
    """The environment production runs with, but on this machine and this database."""
    data = tempfile.mkdtemp(prefix="visitline-rush-")
    return {
        "VISITLINE_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "IDENTITY_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": url,
        "DB_CONN_MAX_AGE": "0",
        "DB_POOL_MAX_SIZE": str(pool_size),
        "REDIS_URL": redis_url,
        "VISITLINE_DATA_DIR": data,
        "LOG_LEVEL": "WARNING",
        # The rush is one system's token; its rate limit is not what is measured.
        "API_TOKEN_RATE": "1000000/m",
    }


# --------------------------------------------------------------------------- scenario


def seed(days: int, seats_per_slot: int, prisoners: int) -> dict:
    """One facility, len(TIMES) slots a day over ``days`` days, prisoners each with a visitor."""
    from django.core.management import call_command

    from apps.people.models import Contact, Prisoner, Visitor
    from lib.crypto import digest
    from lib.identity import resident_id_check_digit
    from tests import factories

    facility = factories.facility(
        name="Rush Prison", code="rush", min_notice_days=0, max_notice_days=28
    )
    level = factories.level(facility, in_person_per_month=4, video_per_month=2)
    rooms = [
        factories.room(facility, name=f"Hall {t:%H%M}", capacity=seats_per_slot) for t in TIMES
    ]
    slot_ids = [
        factories.slot(facility, days_ahead=day, start=start, capacity=seats_per_slot, room=room).pk
        for day in range(1, days + 1)
        for start, room in zip(TIMES, rooms, strict=True)
    ]
    today = dt.date.today()
    people = Prisoner.objects.bulk_create(
        Prisoner(
            facility=facility,
            number=f"R{n:05d}",
            full_name=f"Prisoner {n}",
            unit=str(1 + n % 6),
            level=level,
            sentence_start=today - dt.timedelta(days=3 * 365),
            sentence_end=today + dt.timedelta(days=3 * 365),
        )
        for n in range(prisoners)
    )
    visitors = []
    for n in range(prisoners):
        born = dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
        first17 = f"650102{born:%Y%m%d}{n % 1000:03d}"
        number = first17 + resident_id_check_digit(first17)
        visitors.append(
            Visitor(
                full_name=f"Visitor {n}",
                date_of_birth=born,
                document_type="resident_id",
                document_number=number,
                document_digest=digest(number),
                phone=f"+86138{n:08d}",
            )
        )
    visitors = Visitor.objects.bulk_create(visitors)
    Contact.objects.bulk_create(
        Contact(visitor=v, prisoner=p, relationship="parent", status=Contact.Status.APPROVED)
        for v, p in zip(visitors, people, strict=True)
    )
    out = _Capture()
    call_command(
        "api_token_create", facility="rush", scope="write", name="Booking rush", stdout=out
    )
    return {
        "facility_id": facility.pk,
        "slot_ids": slot_ids,
        "seats": seats_per_slot * len(slot_ids),
        "families": [(p.number, [v.pk]) for p, v in zip(people, visitors, strict=True)],
        "prisoner_ids": (people[0].pk, people[-1].pk),
        "visitor_offset": visitors[0].pk - people[0].pk,
        "token": out.text.strip(),
    }


class _Capture:
    text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, workers: int, port: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "uvicorn"),
        "config.asgi:application",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
        "--no-access-log",
        "--log-level=warning",
    ]
    # Its log (a warning per refused request, as in production) goes to a file.
    log = Path(env["VISITLINE_DATA_DIR"]) / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(2)  # the other workers finish importing
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(
                    f"the server exited at start:\n{log.read_text()[-3000:]}"
                ) from None
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("the server did not start within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                pass
    return found


# --------------------------------------------------------------------------- rush


def run_rush(plan: Plan, processes: int, clients: int, attempts: int) -> list[dict]:
    ctx = mp.get_context("spawn")  # no Django state, no inherited sockets
    barrier, queue = ctx.Barrier(processes), ctx.Queue()
    share = [clients // processes + (i < clients % processes) for i in range(processes)]
    tries = [attempts // processes + (i < attempts % processes) for i in range(processes)]
    workers = [
        ctx.Process(target=client_process, args=(plan, i, share[i], tries[i], barrier, queue))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    reports = [queue.get(timeout=900) for _ in workers]
    for w in workers:
        w.join()
    return reports


# --------------------------------------------------------------------------- pgbench


def run_pgbench(
    url: str, scenario: dict, clients: int, attempts: int, script: Path = SCRIPT
) -> dict:
    """The same transaction through pgbench from empty slots; the rows it wrote are removed."""
    parts = url.split("/")
    first, last = scenario["prisoner_ids"]
    slots = scenario["slot_ids"]
    command = [
        "pgbench",
        "--no-vacuum",
        f"--client={clients}",
        f"--jobs={min(clients, 2)}",
        f"--transactions={max(1, attempts // clients)}",
        f"--file={script}",
        f"--define=first_prisoner={first}",
        f"--define=last_prisoner={last}",
        f"--define=visitor_offset={scenario['visitor_offset']}",
        f"--define=first_slot={min(slots)}",
        f"--define=last_slot={max(slots)}",
        f"--define=actor={scenario['actor_id']}",
        f"--define=facility={scenario['facility_id']}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"pgbench failed against {parts[-1]}")
    tps = next(
        float(line.split("=")[1].split()[0])
        for line in done.stdout.splitlines()
        if line.startswith("tps") and "without initial connection time" in line
    )
    latency = next(
        (
            float(line.split("=")[1].split()[0])
            for line in done.stdout.splitlines()
            if line.startswith("latency average")
        ),
        0.0,
    )
    booked = reset_after_pgbench(url)
    return {"tps": tps, "latency_ms": latency, "clients": clients, "booked": booked}


def reset_after_pgbench(url: str) -> int:
    """Remove pgbench's rows so the API rush starts from the same empty slots."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        booked = conn.execute(
            "SELECT count(*) FROM bookings_booking WHERE idempotency_key LIKE 'pgbench-%'"
        ).fetchone()[0]
        with conn.transaction():
            for statement in (
                "DELETE FROM notifications_message",
                "DELETE FROM bookings_bookingvisitor",
                "DELETE FROM bookings_booking",
                "DELETE FROM bookings_allowanceusage",
                "DELETE FROM audit_auditevent WHERE action = 'booking.create'",
                "DELETE FROM django_tasks_database_dbtaskresult",
                "UPDATE facilities_slot SET booked_count = 0",
            ):
                conn.execute(statement)
        conn.execute("VACUUM ANALYZE")
    return booked


# --------------------------------------------------------------------------- checks


def verify(acknowledged: dict[str, str]) -> dict:
    """Invariants read from the rows: seats, counters, acknowledged bookings, keys."""
    from django.db.models import Count, Q

    from apps.bookings.models import Booking
    from apps.facilities.models import Slot

    slots = Slot.objects.annotate(active=Count("bookings", filter=Q(bookings__status__in=ACTIVE)))
    overbooked = sum(1 for s in slots if s.active > s.capacity or s.booked_count > s.capacity)
    counter_mismatches = sum(1 for s in slots if s.booked_count != s.active)
    stored = dict(Booking.objects.values_list("idempotency_key", "reference"))
    lost = sum(1 for key, ref in acknowledged.items() if stored.get(key) != ref)
    duplicates = sum(
        row["n"] - 1
        for row in Booking.objects.values("created_by", "idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    return {
        "bookings_in_db": len(stored),
        "overbooked": overbooked,
        "counter_mismatches": counter_mismatches,
        "lost": lost,
        "duplicates": duplicates,
    }


# --------------------------------------------------------------------------- reporting


def summarise(reports: list[dict]) -> dict:
    records = [r for report in reports for r in report["records"]]
    started = min(r["started"] for r in reports)
    wall = max(r["finished"] for r in reports) - started
    statuses = Counter(str(status) for _, status, *_ in records)
    codes = Counter(code for _, status, _, _, _, code in records if status not in (200, 201))
    acknowledged: dict[str, str] = {}
    mismatched = 0  # a replay that named another booking than the first answer
    for _, status, key, reference, _, _ in records:
        if status in (200, 201) and acknowledged.setdefault(key, reference) != reference:
            mismatched += 1
    all_ms = [ms for ms, *_ in records]
    booked_ms = [ms for ms, status, *_ in records if status == 201]
    return {
        "wall_s": round(wall, 3),
        "attempts": len(records),
        "retries": sum(1 for r in records if r[4]),
        "rps": round(len(records) / wall, 1),
        "p50_ms": round(percentile(all_ms, 50), 1),
        "p99_ms": round(percentile(all_ms, 99), 1),
        "p50_ms_booked": round(percentile(booked_ms, 50), 1),
        "p99_ms_booked": round(percentile(booked_ms, 99), 1),
        "statuses": dict(sorted(statuses.items())),
        "refusals": dict(sorted(codes.items())),
        "acknowledged": len(acknowledged),
        "replay_mismatches": mismatched,
        "client_cpu_s": round(sum(r["cpu_s"] for r in reports), 2),
        "_acknowledged": acknowledged,
    }


def write_docs(f: dict) -> None:
    holds = (
        "No slot was overbooked, every counter matched its bookings, every acknowledged "
        "booking was in the database and no key booked twice"
        if f["ok"]
        else "**An invariant broke or attempts failed in this run; see the JSON**"
    )
    limit = f"pgbench at {f['pgbench_clients']} clients"
    rows = [
        ("Server", f"uvicorn, {f['workers']} workers, pool of {f['pool_size']} per worker"),
        ("Clients (processes)", f"{f['clients']} ({f['client_processes']})"),
        ("Seats (slots)", f"{f['seats']} ({f['slots']})"),
        ("Attempts (of which retries)", f"{f['attempts']} ({f['retries']})"),
        ("Acknowledged bookings", f["acknowledged"]),
        ("Responses", ", ".join(f"{k}: {v}" for k, v in f["statuses"].items())),
        ("rps (attempts per second)", f"{f['rps']:.0f}"),
        ("p50_ms / p99_ms (all attempts)", f"{f['p50_ms']:.1f} / {f['p99_ms']:.1f}"),
        ("p50_ms / p99_ms (new bookings)", f"{f['p50_ms_booked']:.1f} / {f['p99_ms_booked']:.1f}"),
        (f"pgbench_tps ({limit}, same transaction)", f"{f['pgbench_tps']:.0f}"),
        ("ratio (rps / pgbench_tps)", f"{f['ratio']:.3f}"),
        (
            f"pgbench, locks and writes alone ({WRITES_ONLY.name}); ratio",
            f"{f['pgbench_tps_writes_only']:.0f}; {f['ratio_writes_only']:.3f}",
        ),
        ("overbooked / counter mismatches", f"{f['overbooked']} / {f['counter_mismatches']}"),
        ("lost acknowledged / duplicates", f"{f['lost']} / {f['duplicates']}"),
        (
            "CPU during the rush: server / PostgreSQL / clients / rest (of 2 cores)",
            f"{f['cpu_share']['server']:.0%} / {f['cpu_share']['postgres']:.0%} / "
            f"{f['cpu_share']['clients']:.0%} / {f['cpu_share']['rest']:.0%}",
        ),
    ]
    table = "\n".join(["| Figure | Value |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)])
    section = (
        f"{HEADING}\n\n"
        f"Command: `{f['command']}`  \n"
        f"Measured: {f['measured_at']} on {f['cpu_count']} CPUs, PostgreSQL {f['postgres']}.\n\n"
        f"{table}\n\n"
        f"{f['clients']} clients made {f['attempts']} booking attempts through "
        f"`POST /api/v1/bookings` for {f['seats']} seats. {holds}. The API completed "
        f"{f['rps']:.0f} attempts a second against {f['pgbench_tps']:.0f} for the same "
        f"transaction run by pgbench ({SCRIPT.name}) in the same database: a ratio of "
        f"{f['ratio']:.2f} (the aim is at least 0.25 with p99 under 250 ms). pgbench runs "
        "every statement booking_create sends, reads and writes, from the prisoner's lock to "
        "the commit and the message's send task queued after it, with the same refusals; "
        "the API adds its token check, its two lookups (the slot's facility, the prisoner "
        "by number), HTTP, JSON and the ORM. About one attempt in ten is a client "
        f"retrying a key it used before. {f['notes']}\n"
    )
    replace_section(HEADING, section)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--attempts", type=int, default=4000)
    parser.add_argument("--days", type=int, default=10, help="slots: 5 a day over this many days")
    parser.add_argument("--seats-per-slot", type=int, default=20)
    parser.add_argument("--prisoners", type=int, default=4000)
    parser.add_argument("--pool-size", type=int, default=8, help="connections per worker")
    parser.add_argument(
        "--pgbench-clients",
        type=int,
        default=0,
        help="default: the clients, capped below PostgreSQL's max_connections",
    )
    parser.add_argument("--retry-share", type=float, default=0.1)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    _, name = admin_conninfo(args.database_url)
    if "rush" not in name and "bench" not in name:
        parser.error(f"refusing to drop and recreate {name!r}: the name must contain 'rush'")
    command = " ".join(
        ["python", "bench/booking_rush.py"] + [redact(a) if "://" in a else a for a in sys.argv[1:]]
    )
    env = production_env(args.database_url, args.pool_size, args.redis_url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    load_before = os.getloadavg()[0]
    print(f"Creating database {name} ...", flush=True)
    recreate_database(args.database_url)
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from apps.api.models import ApiToken

        call_command("migrate", verbosity=0)
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            postgres = cur.fetchone()[0].split()[0]
            cur.execute("SHOW max_connections")
            max_connections = int(cur.fetchone()[0])
        scenario = seed(args.days, args.seats_per_slot, args.prisoners)
        scenario["actor_id"] = ApiToken.objects.get().account_id
        connections.close_all()
        print(
            f"Scenario: {len(scenario['slot_ids'])} slots, {scenario['seats']} seats, "
            f"{args.prisoners} prisoners",
            flush=True,
        )

        # pgbench first, from empty slots; its rows are removed before the rush.
        pg_clients = args.pgbench_clients or min(args.clients, max_connections - 20)
        server_connections = args.workers * args.pool_size
        print(f"pgbench: {pg_clients} and {server_connections} clients ...", flush=True)
        pgbench = [
            run_pgbench(args.database_url, scenario, c, args.attempts)
            for c in sorted({pg_clients, server_connections})
        ]
        best = max(pgbench, key=lambda r: r["tps"])
        writes_only = run_pgbench(
            args.database_url, scenario, best["clients"], args.attempts, WRITES_ONLY
        )

        port = free_port()
        print(f"Server: {args.workers} workers on port {port} ...", flush=True)
        server = start_server(env, args.workers, port)
        plan = Plan(
            watch_pids=(server.pid, *children(server.pid)),
            base_url=f"http://127.0.0.1:{port}",
            token=scenario["token"],
            slot_ids=scenario["slot_ids"],
            families=scenario["families"],
            retry_share=args.retry_share,
        )
        print(f"Rush: {args.clients} clients, {args.attempts} attempts ...", flush=True)
        reports = run_rush(plan, args.client_processes, args.clients, args.attempts)
        stop_server(server)
        server = None
        rush = summarise(reports)
        checks = verify(rush.pop("_acknowledged"))
    finally:
        if server is not None:
            stop_server(server)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)

    # CPU over the first client process's timed window, in shares of the machine.
    window = reports[0]["ticks"]
    hz = os.sysconf("SC_CLK_TCK")
    capacity = window["all"] / hz  # CPU-seconds the machine had
    busy = capacity - window["idle"] / hz
    server_s = window["watched"] / hz
    postgres_s = window["postgres"] / hz
    clients_s = rush["client_cpu_s"] * reports[0]["wall_s"] / rush["wall_s"]
    share = {
        "server": server_s / capacity,
        "postgres": postgres_s / capacity,
        "clients": clients_s / capacity,
        "rest": max(0.0, busy - server_s - postgres_s - clients_s) / capacity,
        "idle": max(0.0, 1 - busy / capacity),
    }
    # The server's CPU per attempt, which a busy machine stretches less than the rates.
    server_ms = server_s * 1000 / max(1.0, rush["rps"] * reports[0]["wall_s"])
    notes = [
        f"The server used {server_ms:.1f} ms of CPU per attempt. With {args.clients} clients "
        f"each waiting for its answer before asking again, latency is clients / throughput "
        f"(Little's law): a p99 under 250 ms needs more than {args.clients / 0.25:.0f} "
        "attempts a second even if every attempt took the same time.",
        f"Load average before the run {load_before:.2f}, after it {os.getloadavg()[0]:.2f} "
        f"(the machine is shared; other work ran beside it).",
    ]
    if pg_clients < args.clients:
        notes.append(
            f"pgbench ran with {pg_clients} and {server_connections} clients, not "
            f"{args.clients}: PostgreSQL takes {max_connections} connections, shared with "
            "other work. The faster of the two runs is the limit the API is measured "
            f"against; the API's own workers hold at most {server_connections} connections."
        )
    if share["clients"] > 0.3:
        notes.append(
            f"The clients themselves used {share['clients']:.0%} of the machine's CPU, which the "
            "server and PostgreSQL did not have: on a separate client machine the API would "
            "reach more."
        )
    figures = {
        "rps": rush["rps"],
        "p50_ms": rush["p50_ms"],
        "p99_ms": rush["p99_ms"],
        "overbooked": checks["overbooked"],
        "pgbench_tps": round(best["tps"], 1),
        "ratio": round(rush["rps"] / best["tps"], 4),
        "pgbench_clients": best["clients"],
        "pgbench_tps_writes_only": round(writes_only["tps"], 1),
        "ratio_writes_only": round(rush["rps"] / writes_only["tps"], 4),
        "pgbench_runs": [
            {"clients": r["clients"], "tps": round(r["tps"], 1), "booked": r["booked"]}
            for r in pgbench
        ],
        **{k: v for k, v in rush.items() if k not in ("rps", "p50_ms", "p99_ms")},
        **{k: v for k, v in checks.items() if k != "overbooked"},
        "cpu_share": {k: round(v, 3) for k, v in share.items()},
        "server_cpu_ms_per_attempt": round(server_ms, 2),
        "load_average_before": round(load_before, 2),
        "workers": args.workers,
        "pool_size": args.pool_size,
        "clients": args.clients,
        "client_processes": args.client_processes,
        "seats": scenario["seats"],
        "slots": len(scenario["slot_ids"]),
        "prisoners": args.prisoners,
        "command": command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": postgres,
        "notes": " ".join(notes),
    }
    failures = [
        f"{key}={figures[key]}"
        for key in (
            "overbooked",
            "counter_mismatches",
            "lost",
            "duplicates",
            "replay_mismatches",
        )
        if figures[key]
    ]
    errors = sum(n for status, n in rush["statuses"].items() if status == "0" or status >= "500")
    if errors:
        failures.append(f"{errors} attempts failed without an answer or with a 5xx")
    figures["ok"] = not failures

    print()
    for key in ("attempts", "retries", "acknowledged", "statuses", "refusals", "wall_s"):
        print(f"{key:<20}{figures[key]}")
    print(f"{'rps':<20}{figures['rps']:.1f}")
    print(f"{'p50_ms / p99_ms':<20}{figures['p50_ms']:.1f} / {figures['p99_ms']:.1f}")
    print(f"{'pgbench_tps':<20}{figures['pgbench_tps']:.1f}  {figures['pgbench_runs']}")
    print(f"{'ratio':<20}{figures['ratio']:.3f}")
    print(
        f"{'writes only':<20}{figures['pgbench_tps_writes_only']:.1f} tps, "
        f"ratio {figures['ratio_writes_only']:.3f}"
    )
    for key in (
        "overbooked",
        "counter_mismatches",
        "lost",
        "duplicates",
        "cpu_share",
        "server_cpu_ms_per_attempt",
    ):
        print(f"{key:<20}{figures[key]}")
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
