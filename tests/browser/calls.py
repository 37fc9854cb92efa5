"""What the video-visit browser tests and bench/video_join.py share.

- Chromium with fake camera and microphone (TESTING.md's flags);
- an ASGI server for the pages *and* the signaling sockets: uvicorn in a
  thread of this process (pytest-django's live server speaks only WSGI), or
  uvicorn subprocesses sharing a database and Redis;
- a local coturn that a test can kill and start again on the same port;
- the getStats readings that prove media arrived.

Nothing here asserts; tests and the benchmark decide what the readings mean.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from tests.browser.call_servers import (
    ProcessServer,
    ThreadServer,
    Turn,
    free_port,
    process_env,
    redis_url,
    server_env,
    shared_database_url,
    wait_for_port,
)

# Re-exported: the tests and the benchmark reach everything through this module.
__all__ = [
    "ProcessServer",
    "ThreadServer",
    "Turn",
    "free_port",
    "process_env",
    "redis_url",
    "server_env",
    "shared_database_url",
    "wait_for_port",
]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/lib/chromium/chromium")
MEDIA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    # The only interface is loopback: without this the call never connects.
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}
# Generous: four peers encoding video on a loaded two-core machine.
MEDIA_TIMEOUT_MS = 45_000


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=MEDIA_ARGS)


# --------------------------------------------------------------------------- pages


_contexts: list[BrowserContext] = []
ECHO_CONSOLE = True  # the benchmark turns it off
# What the pages' consoles said about the Content-Security-Policy (tests/browser/conftest.py).
csp_violations: list[str] = []


def _watch_csp(message: Any) -> None:
    from tests.browser.conftest import CSP_CONSOLE

    if CSP_CONSOLE.search(message.text):
        csp_violations.append(f"{message.page and message.page.url}: {message.text}")


def close_contexts() -> None:
    """Closes every page a test opened: a page left behind would keep calling and use CPU."""
    while _contexts:
        with contextlib.suppress(Exception):
            _contexts.pop().close()


def open_context(
    browser: Browser,
    base_url: str,
    *,
    session: str | None = None,
    desk: bool = False,
    locale: str = "en-US",
    bypass_csp: bool = False,
) -> BrowserContext:
    """``bypass_csp`` lets a test inject axe-core, which the pages' policy would refuse."""
    context = browser.new_context(
        base_url=base_url,
        viewport=DESK if desk else PHONE,
        locale=locale,
        bypass_csp=bypass_csp,
    )
    _contexts.append(context)
    from tests.browser.conftest import CSP_LISTENER

    context.add_init_script(CSP_LISTENER)
    context.on("console", _watch_csp)
    context.set_default_timeout(20_000)
    if ECHO_CONSOLE:
        # Printed as it happens: pytest shows it when a test fails.
        context.on(
            "console",
            lambda message: print(
                f"{time.strftime('%X')} {message.page and message.page.url}: {message.text}"
            ),
        )
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])
    return context


def session_for(user: Any, *, second_factor: bool = False) -> str:
    """A signed-in session for ``user``, as a cookie value (staff: second factor done)."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    if second_factor:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return str(browser.cookies["sessionid"].value)


# Every peer connection of the page, with what getStats says about it.
STATS_JS = """
async () => {
  const api = window.visitlineCall;
  const role = api && api.call.role;
  if (!role) return [];
  const peers = role.peers ? [...role.peers.values()] : (role.peer ? [role.peer] : []);
  const result = [];
  for (const peer of peers) {
    const stats = await peer.pc.getStats();
    const entry = {peer: peer.id, role: peer.role, ice: peer.pc.iceConnectionState,
                   inbound: [], outbound: [], pair: null};
    stats.forEach((r) => {
      if (r.type === "inbound-rtp") entry.inbound.push({kind: r.kind, mid: r.mid,
        bytes: r.bytesReceived || 0, frames: r.framesDecoded || 0});
      if (r.type === "outbound-rtp") entry.outbound.push({kind: r.kind, bytes: r.bytesSent || 0});
      if (r.type === "transport" && r.selectedCandidatePairId) {
        const pair = stats.get(r.selectedCandidatePairId);
        const local = pair && stats.get(pair.localCandidateId);
        const remote = pair && stats.get(pair.remoteCandidateId);
        entry.pair = {local: local && local.candidateType, remote: remote && remote.candidateType};
      }
    });
    result.push(entry);
  }
  return result;
}
"""

# True once every inbound video of the page's connections to ``role`` decoded a frame
# and every inbound audio received bytes (``role`` null: any connection).
DECODING_JS = """
async ([role, streams]) => {
  const peers = await (STATS)();
  const inbound = peers.filter((p) => !role || p.role === role).flatMap((p) => p.inbound);
  const video = inbound.filter((r) => r.kind === "video" && r.frames > 0).length;
  const audio = inbound.filter((r) => r.kind === "audio" && r.bytes > 0).length;
  return video >= streams && audio >= streams;
}
""".replace("STATS", STATS_JS)


def stats(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(STATS_JS)


def totals(page: Page, role: str | None = None) -> dict[str, int]:
    """Frames decoded and bytes received, summed over the page's connections (to ``role``)."""
    result = {"video_frames": 0, "video_bytes": 0, "audio_bytes": 0}
    for peer in stats(page):
        if role and peer["role"] != role:
            continue
        for r in peer["inbound"]:
            if r["kind"] == "video":
                result["video_frames"] += r["frames"]
                result["video_bytes"] += r["bytes"]
            else:
                result["audio_bytes"] += r["bytes"]
    return result


def wait_decoding(
    page: Page, role: str | None = None, *, streams: int = 1, timeout: int = MEDIA_TIMEOUT_MS
) -> None:
    """Polls (wait_for_function would not wait for getStats' promise) until the page's
    connections (to ``role``) decoded video and received audio on ``streams`` streams each."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(DECODING_JS, [role, streams]):
        if time.monotonic() > deadline:
            raise AssertionError(f"no media decoded on {page.url}: {stats(page)}")
        page.wait_for_timeout(100)


def wait_growing(page: Page, role: str | None = None, *, timeout: float = 30) -> dict[str, int]:
    """Waits until decoded frames and received audio and video bytes all grow; returns the last."""
    first = totals(page, role)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = totals(page, role)
        if all(now[key] > first[key] for key in first):
            return now
        page.wait_for_timeout(250)
    raise AssertionError(f"media did not grow on {page.url}: {first} then {totals(page, role)}")


def wait_stalled(page: Page, role: str | None = None, *, timeout: float = 40) -> None:
    """Waits until no new video frame is decoded for two seconds."""
    deadline = time.monotonic() + timeout
    last = totals(page, role)["video_frames"]
    still_since = time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
        now = totals(page, role)["video_frames"]
        if now != last:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= 2:
            return
    raise AssertionError(f"video kept arriving on {page.url}")


def video_width(page: Page, selector: str) -> int:
    return int(page.eval_on_selector(selector, "v => v.videoWidth"))


def in_thread(function: Any, /, **kwargs: Any) -> Any:
    """Runs a service outside this thread, whose asyncio loop (Playwright's) would stop
    the service's channel-layer broadcast."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import close_old_connections

    def run() -> Any:
        try:
            return function(**kwargs)
        finally:
            close_old_connections()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def wait_state(page: Page, state: str, timeout: int = MEDIA_TIMEOUT_MS) -> None:
    page.wait_for_selector(f"#call[data-state='{state}']", state="attached", timeout=timeout)


@contextlib.contextmanager
def console_log(page: Page) -> Iterator[list[str]]:
    """The page's console, printed if the test fails (pytest shows captured output)."""
    lines: list[str] = []
    page.on("console", lambda message: lines.append(f"{message.type}: {message.text}"))
    try:
        yield lines
    except BaseException:
        print(f"--- console of {page.url}", *lines, sep="\n")
        raise


# --------------------------------------------------------------------------- fixtures
# Test modules take them with ``name = calls.name`` (pytest finds fixtures by attribute).


def _missing(reason: str) -> None:
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(reason + " CI needs it.")
    pytest.skip(reason)


def _media_browser(browser: Browser) -> Iterator[Browser]:
    """A second Chromium from the package's Playwright, with fake camera and microphone."""
    chromium = launch_from(browser)
    yield chromium
    chromium.close()


def launch_from(browser: Browser) -> Browser:
    return browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True, args=MEDIA_ARGS
    )


def _call_server(transactional_db: None) -> Iterator[ThreadServer]:
    from django.db import connection

    if connection.vendor == "sqlite" and connection.settings_dict["TEST"].get("NAME") in (
        None,
        ":memory:",
    ):
        # SQLite's shared in-memory database answers "table is locked" at once to a
        # second writer instead of waiting: the server's threads would trip over each other.
        _missing(
            "the video pages' server runs threads that need a shared database: "
            "PostgreSQL or a SQLite file (set SQLITE_TEST_NAME, as scripts/test.sh does)."
        )
    server = ThreadServer().start()
    csp_violations.clear()
    yield server
    close_contexts()
    server.stop()


def _turn() -> Iterator[Turn]:
    if not Turn.available():
        _missing("coturn's turnserver is not installed (scripts/setup.sh installs coturn).")
    turn = Turn().start()
    yield turn
    turn.stop()


def _fixtures() -> tuple[Any, Any, Any]:
    import pytest

    return (
        pytest.fixture(scope="package")(_media_browser),
        pytest.fixture(_call_server),
        pytest.fixture(_turn),
    )


media_browser, call_server, turn = _fixtures()


# --------------------------------------------------------------------------- visits


@dataclass
class Visit:
    booking: Any
    call: Any
    family: Any  # the Visitor
    terminal: Any

    @property
    def reference(self) -> str:
        return str(self.booking.reference)

    @property
    def join_path(self) -> str:
        return f"/family/visits/{self.reference}/join/"

    @property
    def terminal_path(self) -> str:
        return f"/terminal/calls/{self.reference}/"


def video_visit(
    facility: Any,
    prisoner: Any,
    family: Any,
    *,
    starts_in: float = -60,
    seconds: float = 30 * 60,
    kind: str = "video",
    terminal: Any = None,
    acknowledged: bool = True,
    custody: Any = None,
) -> Visit:
    """A video booking at a terminal ``starts_in`` seconds from now, lasting ``seconds``.

    ``acknowledged``: the family already accepted the disclosure; ``custody``: an
    officer who has already confirmed the person at the terminal.
    """
    import datetime as dt
    import uuid

    from django.utils import timezone

    from apps.bookings.models import Booking, BookingVisitor
    from apps.calls.demo import one_visit_slot
    from apps.calls.services import (
        call_acknowledge_disclosure,
        call_confirm_custody,
        call_open,
    )
    from apps.calls.services.calls import device_user
    from lib.references import new_reference
    from tests import factories

    terminal = terminal or factories.terminal(facility)
    device_user(terminal)
    now = timezone.now().replace(microsecond=0)
    start = now + dt.timedelta(seconds=starts_in)
    end = start + dt.timedelta(seconds=seconds)
    slot = one_visit_slot(facility, terminal, starts_at=start, ends_at=end, booked_count=1)
    booking = Booking.objects.create(
        reference=new_reference(),
        facility=facility,
        slot=slot,
        prisoner=prisoner,
        kind=kind,
        status="booked",
        starts_at=start,
        ends_at=end,
        created_by=family.user,
        idempotency_key=uuid.uuid4().hex,
        request_fingerprint="test",
        allowance_override_reason="" if kind == "legal" else "test visit",
    )
    BookingVisitor.objects.create(booking=booking, visitor=family)
    call = call_open(booking)
    if acknowledged and (call.supervised or call.recorded):
        call = in_thread(call_acknowledge_disclosure, actor=family.user, call=call)
    if custody is not None:
        call = in_thread(call_confirm_custody, actor=custody, call=call)
    return Visit(booking=booking, call=call, family=family, terminal=terminal)


def terminal_session(visit: Visit) -> str:
    from apps.calls.services.calls import device_user

    return session_for(device_user(visit.terminal))


def config_of(page: Page) -> dict[str, Any]:
    """The call page's json_script configuration, as the script read it."""
    return page.evaluate("() => window.visitlineCall.config")
