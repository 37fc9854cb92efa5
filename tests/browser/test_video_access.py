"""The video visit's pages for everyone: axe-core on the family's join page (at a
phone's 360 px, before and during the call), the terminal's call page and the
officer's watch page, in English and in Uyghur (right to left).
"""

import os
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from apps.accounts.models import StaffRole
from tests import factories
from tests.browser import calls
from tests.browser.conftest import BROWSER_LOCALE, serious_axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

media_browser = calls.media_browser
call_server = calls.call_server
AXE = Path(sys.prefix) / "npm" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE}: run scripts/setup.sh (it runs npm install)."
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " CI needs the accessibility tests.")
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "ug"])
def test_the_call_pages_have_no_serious_accessibility_problems(
    language, media_browser, call_server, axe_source
):
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    prisoner = factories.prisoner(facility)
    family = factories.visitor(full_name="Ayshem Tursun")
    factories.contact(family, prisoner, relationship="spouse")
    officer = factories.staff(facility, StaffRole.Role.OFFICER)
    visit = calls.video_visit(facility, prisoner, family, custody=officer)
    sessions = {
        "family": calls.session_for(family.user),
        "terminal": calls.terminal_session(visit),
        "officer": calls.session_for(officer, second_factor=True),
    }
    problems: list[str] = []

    def page_for(who: str, *, desk: bool = False):
        return calls.open_context(
            media_browser,
            call_server.url,
            session=sessions[who],
            desk=desk,
            locale=BROWSER_LOCALE[language],
            bypass_csp=True,
        ).new_page()

    def check(page, name: str) -> None:
        assert page.evaluate("document.documentElement.lang") == language, name
        page.add_script_tag(content=axe_source)
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        problems.extend(serious_axe_problems(name, page.url, result))

    family_page = page_for("family")
    family_page.goto(visit.join_path)
    family_page.locator("#check-devices").click()
    family_page.wait_for_function("() => document.getElementById('preview-video').videoWidth > 0")
    check(family_page, "join page, device check")
    # Nothing sticks out sideways on a 360 px phone, in either direction of writing.
    assert family_page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    ), "the join page scrolls sideways at 360 px"
    family_page.locator("#join").click()
    terminal_page = page_for("terminal", desk=True)
    terminal_page.goto(visit.terminal_path)
    calls.wait_decoding(family_page)
    calls.wait_state(family_page, "connected")
    check(family_page, "join page, in the call")
    assert family_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    check(terminal_page, "terminal call page")
    watch = page_for("officer", desk=True)
    watch.goto(reverse("console:video_watch", args=[facility.code, visit.reference]))
    calls.wait_decoding(watch, "terminal", streams=2)
    check(watch, "watch page")
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)
