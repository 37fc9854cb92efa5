"""Page weight: bytes transferred and requests for each page a family sees.

Run from the project root:

    python bench/page_weight.py [--keep]

It builds a throw-away demo site (a fresh SQLite database with ``load_demo``,
static files collected and compressed as production's storage does), starts
it with uvicorn and DEBUG off, signs a demo family in by SMS code (the file
backend is the phone), and loads each page in Debian's Chromium with a cold
cache, as a phone seeing it for the first time would. Chromium's DevTools
protocol reports what went over the wire for every request: bytes transferred
(``encodedDataLength`` of ``Network.loadingFinished``, response headers
included, compressed as sent) and the number of requests.

Figures go to ``bench/results/page_weight.json`` (a list of ``{page, bytes,
requests}``) and to the page-weight section of ``docs/benchmarks.md``. It
exits non-zero if a page is over the budget of 100 KB (102 400 bytes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docs_section import DOCS, replace_section  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "page_weight.json"
HEADING = "## Page weight (bench/page_weight.py)"
COMMAND = "python bench/page_weight.py"
BUDGET = 100 * 1024
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
QUIET_MS = 500  # a page is loaded when nothing was in flight for this long after "load"


@dataclass
class Request:
    url: str = ""
    kind: str = ""
    encoding: str = ""
    transferred: int = 0
    finished: bool = False


@dataclass
class PageWeight:
    page: str
    path: str
    requests: list[Request] = field(default_factory=list)
    html_bytes: int = 0  # the document's body as the browser decoded it
    html_gzip_bytes: int = 0  # the same body gzip-compressed, for comparison
    accept_encoding: str = ""  # what the browser asked for

    @property
    def bytes(self) -> int:
        return sum(r.transferred for r in self.requests)

    @property
    def document(self) -> Request:
        return next(r for r in self.requests if r.kind == "Document")

    def summary(self) -> dict[str, Any]:
        return {"page": self.page, "bytes": self.bytes, "requests": len(self.requests)}


# --------------------------------------------------------------------------- the site


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_environment(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "VISITLINE_ENV": "demo",
        "DEBUG": "false",
        "VISITLINE_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'visitline.sqlite3'}",
        "REDIS_URL": "",
        "SMS_BACKEND": "lib.sms.FileBackend",
        "SMS_FILE_PATH": str(data / "sms.jsonl"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def build_site(data: Path, env: dict[str, str]) -> None:
    print("building the demo site in", data, flush=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    # What production's CompressedManifestStaticFilesStorage does after collecting:
    # a compressed copy of each file that WhiteNoise sends to browsers that accept it.
    subprocess.run(
        [sys.executable, "-m", "whitenoise.compress", "-q", str(data / "static")],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("uvicorn did not answer within 30 s")


@dataclass
class Family:
    phone: str
    prisoner_id: int
    day: dt.date
    slot_id: int


def pick_family(env: dict[str, str]) -> Family:
    """A demo family with an approved relative who has a free in-person time to book."""
    os.environ.update(env)
    import django

    django.setup()
    from apps.bookings.selectors import open_days, slot_options
    from apps.people.models import Contact, Prisoner

    contacts = (
        Contact.objects.filter(
            status=Contact.Status.APPROVED,
            visitor__user__isnull=False,
            prisoner__status=Prisoner.Status.IN_CUSTODY,
        )
        .select_related("visitor__user", "prisoner__facility")
        .order_by("pk")
    )
    for contact in contacts[:200]:
        days = open_days(prisoner=contact.prisoner, kind="in_person")
        for day in sorted(d for d, free in days.items() if free):
            options = slot_options(
                prisoner=contact.prisoner, kind="in_person", day=day, visitor=contact.visitor
            )
            slot = next((o.slot_to_book for o in options if not o.reason and o.slot_to_book), None)
            if slot is not None:
                return Family(contact.visitor.user.username, contact.prisoner_id, day, slot.pk)
    raise SystemExit("no demo family has a free in-person time to book")


def last_code(sms_file: Path, phone: str) -> str:
    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    body = next(m["body"] for m in reversed(lines) if m["to"] == phone)
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", body)
    if match is None:
        raise SystemExit(f"no code in the SMS {body!r}")
    return match.group(1)


# --------------------------------------------------------------------------- measuring


def measure(browser: Any, base: str, page_name: str, path: str, state: Any) -> PageWeight:
    """Loads one page in a fresh context with the cache off and records every request."""
    context = browser.new_context(
        base_url=base, viewport=PHONE, locale="zh-CN", storage_state=state
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    result = PageWeight(page=page_name, path=path)
    by_id: dict[str, Request] = {}

    def sent(event: dict[str, Any]) -> None:
        redirected = event.get("redirectResponse")
        if redirected and event["requestId"] in by_id:
            # A redirect: the earlier hop is finished; the same id carries on.
            hop = by_id[event["requestId"]]
            hop.transferred = int(redirected.get("encodedDataLength", 0))
            hop.finished = True
        request = Request(url=event["request"]["url"], kind=event.get("type", ""))
        by_id[event["requestId"]] = request
        result.requests.append(request)

    def sent_headers(event: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in event.get("headers", {}).items()}
        if not result.accept_encoding and "accept-encoding" in headers:
            result.accept_encoding = headers["accept-encoding"]

    def received(event: dict[str, Any]) -> None:
        request = by_id.get(event["requestId"])
        if request is not None:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            request.encoding = headers.get("content-encoding", "")

    def finished(event: dict[str, Any]) -> None:
        request = by_id.get(event["requestId"])
        if request is not None:
            request.transferred = int(event.get("encodedDataLength", 0))
            request.finished = True

    def failed(event: dict[str, Any]) -> None:
        request = by_id.get(event["requestId"])
        if request is not None:
            request.finished = True

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestWillBeSentExtraInfo", sent_headers)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
    response = page.goto(path, wait_until="load")
    if response is None or response.status != 200:
        raise SystemExit(f"{page_name}: {path} answered {response and response.status}")
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < QUIET_MS / 1000:
        page.wait_for_timeout(100)
        if not all(r.finished for r in result.requests):
            quiet_since = time.monotonic()
    body = response.body()
    result.html_bytes = len(body)
    result.html_gzip_bytes = len(gzip.compress(body, compresslevel=6))
    context.close()
    return result


def run(base: str, family: Family, sms_file: Path) -> tuple[list[PageWeight], list[Request]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        # Chromium asks a new site for /favicon.ico once (the site has none: a 404).
        # A first, unrecorded load takes that request, so each page below counts
        # only its own.
        favicon = [
            r for r in measure(browser, base, "warm-up", "/", None).requests if r.kind != "Document"
        ]
        weights = [
            measure(browser, base, "public home", "/", None),
            measure(browser, base, "facility", "/facilities/tianshan/", None),
            measure(browser, base, "rules", "/facilities/tianshan/rules/", None),
            measure(browser, base, "sign in", "/family/sign-in/", None),
        ]

        # Sign in as the family does (not measured), then book a visit for the later pages.
        context = browser.new_context(base_url=base, viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto("/family/sign-in/")
        page.fill("[name=phone]", family.phone)
        page.click("main button[type=submit]")
        page.wait_for_url("**/family/sign-in/code/")
        page.fill("[name=code]", last_code(sms_file, family.phone))
        page.click("main button[type=submit]")
        page.wait_for_url("**/family/")
        state = context.storage_state()
        book = f"/family/book/{family.prisoner_id}/"
        confirm = f"{book}time/{family.slot_id}/"

        weights += [
            measure(browser, base, "family home", "/family/", state),
            measure(browser, base, "contact request", "/family/contacts/new/", state),
            measure(
                browser, base, "book calendar", f"{book}?kind=in_person&date={family.day}", state
            ),
            measure(browser, base, "confirm", confirm, state),
        ]
        page.goto(confirm)
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/family/visits/[A-Z0-9]+/$"))
        visit = urllib.parse.urlsplit(page.url).path
        context.close()
        weights += [
            measure(browser, base, "visit detail", visit, state),
            measure(browser, base, "my visits", "/family/visits/", state),
            measure(browser, base, "cancel confirm", f"{visit}cancel/", state),
            measure(browser, base, "profile", "/family/profile/", state),
            measure(browser, base, "waitlist", "/family/waitlist/", state),
            measure(browser, base, "visit requests", "/family/requests/", state),
        ]
        browser.close()
    return weights, favicon


# --------------------------------------------------------------------------- reporting


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def report(weights: list[PageWeight], once: list[Request], measured_at: str) -> str:
    rows = [
        "| Page | Requests | Transferred | of which the HTML | HTML decoded / gzipped | Within 100 KB |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for w in weights:
        doc = w.document
        encoding = doc.encoding or "uncompressed"
        rows.append(
            f"| {w.page} (`{w.path}`) | {len(w.requests)} | {w.bytes:,} B ({kb(w.bytes)}) "
            f"| {doc.transferred:,} B, {encoding} | {kb(w.html_bytes)} / {kb(w.html_gzip_bytes)} "
            f"| {'yes' if w.bytes <= BUDGET else '**no**'} |"
        )
    statics: dict[str, Request] = {}
    for w in weights:
        for r in w.requests:
            if r.kind != "Document":
                statics.setdefault(urllib.parse.urlsplit(r.url).path, r)
    once_lines = [
        f"`{urllib.parse.urlsplit(r.url).path}` {r.transferred:,} B"
        for r in once
        if r.kind != "Stylesheet" and r.kind != "Script"
    ]
    static_lines = [
        f"`{path}` {r.transferred:,} B ({r.encoding or 'uncompressed'})"
        for path, r in sorted(statics.items())
    ]
    heaviest = max(weights, key=lambda w: w.bytes)
    over = [w.page for w in weights if w.bytes > BUDGET]
    html_plain = all(not w.document.encoding for w in weights)
    verdict = (
        f"Every page is within the budget; the heaviest is {heaviest.page} at {kb(heaviest.bytes)}."
        if not over
        else f"Over the budget: {', '.join(over)}."
    )
    html_note = (
        "The HTML documents are sent uncompressed: Django compresses a response only with "
        "GZipMiddleware, which the settings do not use. The column 'HTML decoded / gzipped' "
        "shows what gzip would make of each document."
        if html_plain
        else "The HTML documents are sent compressed."
    )
    return (
        f"{HEADING}\n\n"
        f"Command: `{COMMAND}`  \n"
        f"Measured: {measured_at}, Chromium (Debian) through Playwright, a 360×740 viewport, "
        f"cache off, one fresh browser context per page.\n\n"
        "Budget: every family page at most 100 KB (102 400 bytes) transferred, its CSS and "
        "JavaScript included.\n\n"
        "How: the script builds a throw-away demo site (fresh SQLite database, `load_demo`, "
        "`collectstatic` and WhiteNoise's compression, as production's static storage does), "
        "serves it with uvicorn and DEBUG off, signs a demo family in with the code from the "
        "SMS file and books one visit for the visit pages. For each page Chromium's DevTools "
        "protocol reports every request; *transferred* is the sum of `encodedDataLength` from "
        "`Network.loadingFinished` (bytes as they came over the wire: compressed where the "
        "server compressed, response headers included; a redirect hop counts too). The "
        f"browser asked with its usual `Accept-Encoding: {weights[0].accept_encoding}`.\n\n"
        + "\n".join(rows)
        + f"\n\n{verdict} {html_note}\n\n"
        + "Static files as transferred: "
        + "; ".join(static_lines)
        + ".\n"
        + (
            "\nOnce per site, not counted above, Chromium also asked for "
            + "; ".join(once_lines)
            + " (the site has no icon, so each new visitor pays for a 404 page).\n"
            if once_lines
            else ""
        )
    )


def write_docs(section: str) -> None:
    replace_section(HEADING, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary site directory")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"Chromium is missing at {CHROMIUM}: run scripts/setup.sh", file=sys.stderr)
        return 2
    data = Path(tempfile.mkdtemp(prefix="visitline-page-weight-"))
    env = site_environment(data)
    server = None
    try:
        build_site(data, env)
        family = pick_family(env)
        port = free_port()
        server = start_server(env, port)
        weights, once = run(f"http://127.0.0.1:{port}", family, data / "sms.jsonl")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if args.keep:
            print("kept", data)
        else:
            shutil.rmtree(data, ignore_errors=True)

    measured_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    for w in weights:
        flag = "" if w.bytes <= BUDGET else "  OVER BUDGET"
        print(f"{w.page:16} {len(w.requests):2} requests {w.bytes:8,} B{flag}")
        for r in w.requests:
            print(f"    {r.kind:10} {r.transferred:8,} B {r.encoding or '-':5} {r.url}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps([w.summary() for w in weights], indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    write_docs(report(weights, once, measured_at))
    print(f"wrote {RESULTS.relative_to(ROOT)} and {DOCS.relative_to(ROOT)}")
    return 1 if any(w.bytes > BUDGET for w in weights) else 0


if __name__ == "__main__":
    sys.exit(main())
