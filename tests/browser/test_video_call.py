"""A video visit in real browsers: the family's phone and the prison's terminal.

Chromium's fake camera and microphone feed both sides; getStats proves that
video was decoded and audio received both ways, and that the family's phone
sends one video stream even while an officer watches through the terminal.
"""

import pytest

from apps.accounts.models import StaffRole
from tests import factories
from tests.browser import calls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

media_browser = calls.media_browser
call_server = calls.call_server


@pytest.fixture
def people(transactional_db):
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    prisoner = factories.prisoner(facility)
    family = factories.visitor(full_name="Ayshem Tursun")
    factories.contact(family, prisoner, relationship="spouse")
    officer = factories.staff(facility, StaffRole.Role.OFFICER)
    return facility, prisoner, family, officer


def family_joins(media_browser, call_server, visit):
    context = calls.open_context(
        media_browser, call_server.url, session=calls.session_for(visit.family.user)
    )
    page = context.new_page()
    page.goto(visit.join_path)
    page.get_by_role("button", name="Join the video visit").click()
    calls.wait_state(page, "waiting")
    return page


def terminal_opens(media_browser, call_server, visit):
    context = calls.open_context(
        media_browser, call_server.url, session=calls.terminal_session(visit), desk=True
    )
    page = context.new_page()
    page.goto(visit.terminal_path)
    return page


def test_family_and_terminal_see_and_hear_each_other(media_browser, call_server, people):
    facility, prisoner, family, officer = people
    visit = calls.video_visit(facility, prisoner, family, custody=officer)
    family_page = family_joins(media_browser, call_server, visit)
    terminal_page = terminal_opens(media_browser, call_server, visit)
    with calls.console_log(family_page), calls.console_log(terminal_page):
        calls.wait_decoding(family_page)
        calls.wait_decoding(terminal_page, "family")
        calls.wait_growing(family_page)
        calls.wait_growing(terminal_page, "family")
        assert calls.video_width(family_page, "#remote-video") > 0
        assert calls.video_width(terminal_page, "#remote-video") > 0
        calls.wait_state(family_page, "connected")
        calls.wait_state(terminal_page, "connected")
        # The countdown runs from the server's clock.
        assert "Time left" in family_page.locator("#call-countdown").inner_text()


def test_device_check_and_low_bandwidth_mode(media_browser, call_server, people):
    facility, prisoner, family, officer = people
    visit = calls.video_visit(facility, prisoner, family, custody=officer)
    context = calls.open_context(
        media_browser, call_server.url, session=calls.session_for(visit.family.user)
    )
    page = context.new_page()
    page.goto(visit.join_path)
    page.get_by_role("button", name="Start the check").click()
    page.wait_for_function("() => document.getElementById('preview-video').videoWidth > 0")
    # The fake microphone beeps: the level meter moves.
    page.wait_for_function(
        "() => document.getElementById('level-meter').value > 0", polling=20
    )
    page.get_by_label("Low-bandwidth mode: voice first, small picture").check()
    page.wait_for_function(
        "() => { const c = window.visitlineCall.call; return c.local &&"
        " c.local.getVideoTracks()[0].getSettings().width <= 320; }"
    )
    page.get_by_role("button", name="Join the video visit").click()
    terminal = terminal_opens(media_browser, call_server, visit)
    with calls.console_log(page), calls.console_log(terminal):
        calls.wait_decoding(terminal, "family")
        calls.wait_decoding(page)
        limits = page.evaluate(
            """() => window.visitlineCall.call.role.peer.pc.getSenders()
                 .filter((s) => s.track && s.track.kind === "video")
                 .map((s) => s.getParameters().encodings[0].maxBitrate)"""
        )
        assert limits == [150_000]
        page.wait_for_function("() => document.getElementById('remote-video').videoWidth > 0")
        assert 0 < calls.video_width(terminal, "#remote-video") <= 320
