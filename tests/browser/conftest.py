"""Real-browser tests: Playwright's Python API driving Debian's Chromium.

Chromium comes from Debian (scripts/setup.sh installs it); Playwright's own
browser download is never used. Without Chromium these tests skip and say
why, except under CI=true where they fail.

The pages come from pytest-django's ``live_server``: a server thread in this
process, so a test reads what the server did (``lib.sms.outbox``, the
database) directly.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.functional import Promise
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from lib import sms

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}  # a cheap phone
TIMEOUT_MS = 10_000

# The browser's own language before the family picks one in the header.
BROWSER_LOCALE = {"zh-hans": "zh-CN", "ug": "ug-CN", "en": "en-US"}

# A CSP violation as Chromium reports it on the console, and as the
# securitypolicyviolation event that an init script (which CSP does not
# govern) turns into a console message.
CSP_MARK = "csp-violation:"
CSP_LISTENER = f"""
document.addEventListener("securitypolicyviolation", (e) => {{
  console.error("{CSP_MARK} " + e.violatedDirective + " " + (e.blockedURI || "inline")
    + " at " + e.documentURI);
}});
"""
CSP_CONSOLE = re.compile(r"Content Security Policy|" + re.escape(CSP_MARK))


# Each masked number (a document or phone number with stars) in <main>, and whether its first
# character is drawn left of its last, as it is written, whatever the page's direction.
MASKED_NUMBERS_DRAWN = r"""() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const match = /[0-9A-Z]{2}\*+[0-9X]{4}/.exec(node.data);
    if (!match) continue;
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + 1);
    const first = range.getBoundingClientRect().x;
    range.setStart(node, match.index + match[0].length - 1);
    range.setEnd(node, match.index + match[0].length);
    const last = range.getBoundingClientRect().x;
    found.push([node.parentElement.outerHTML.slice(0, 80), first < last]);
  }
  return found;
}"""


def text(language: str, message: "str | Promise") -> str:
    """A user-facing string as the page shows it in ``language``, to find elements by."""
    with translation.override(language):
        return translation.gettext(message) if isinstance(message, str) else str(message)


@dataclass
class Tab:
    """A page with what its console said about the Content-Security-Policy."""

    page: Page
    csp_violations: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if CSP_CONSOLE.search(message.text):
            self.csp_violations.append(f"{self.page.url}: {message.text}")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium for the tests of this package; it stops when they are done.

    While it runs, Playwright's sync API keeps an asyncio loop running in this
    thread, and Django would refuse the tests' ORM calls; DJANGO_ALLOW_ASYNC_UNSAFE
    lifts that for exactly that time, so the rest of the suite keeps Django's check.
    """
    if not CHROMIUM.exists():
        reason = (
            f"Chromium is not installed at {CHROMIUM}: run scripts/setup.sh "
            "(it runs `apt-get install chromium`)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " CI needs the browser tests.")
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_tab(browser: Browser, live_server) -> Iterator[Callable[..., Tab]]:
    """Opens a phone-sized tab on the live server; closed after the test.

    ``language`` sets the browser's Accept-Language; ``bypass_csp`` lets a test
    inject a script (axe-core) that the site's strict policy would refuse.
    """
    contexts: list[BrowserContext] = []

    def open_(language: str = "en", *, bypass_csp: bool = False) -> Tab:
        context = browser.new_context(
            base_url=live_server.url,
            locale=BROWSER_LOCALE.get(language, language),
            viewport=PHONE,
            bypass_csp=bypass_csp,
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = Tab(page=context.new_page())
        tab.page.add_init_script(CSP_LISTENER)
        tab.page.on("console", tab.on_console)
        return tab

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def sms_code(sms_outbox) -> Callable[[str], str]:
    """The code from the last SMS sent to a phone (as the family reads it)."""

    def read(phone: str) -> str:
        messages = [m for m in sms_outbox if m.to == phone]
        assert messages, f"no SMS was sent to {phone}: {sms.outbox!r}"
        match = re.search(r"(?<!\d)(\d{6})(?!\d)", messages[-1].body)
        assert match, messages[-1].body
        return match.group(1)

    return read


FAILING_IMPACTS = {"serious", "critical"}


def serious_axe_problems(name: str, url: str, result: dict) -> list[str]:
    """axe-core's serious and critical violations as readable lines; lesser ones are printed."""
    problems = []
    for violation in result["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            print(f"note: {name}: {violation['id']} [{violation['impact']}] {violation['help']}")
            continue
        for node in violation["nodes"]:
            problems.append(
                f"{name} ({url}): {violation['id']} [{violation['impact']}] "
                f"{violation['help']}\n    at {node['target']}: {node['html'][:300]}"
                f"\n    {node.get('failureSummary', '')}"
            )
    return problems


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The pages' JavaScript and the cookies' expiry run on the browser's real
    # clock, and some servers run in other processes: browser tests keep real time.
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.real_clock)
