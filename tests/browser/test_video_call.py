"""A video visit in real browsers: the family's phone and the prison's terminal.

Chromium's fake camera and microphone feed both sides; getStats proves that
video was decoded and audio received both ways, and that the family's phone
sends one video stream even while an officer watches through the terminal.
"""

import time

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from playwright.sync_api import expect

from apps.accounts.models import StaffRole
from apps.calls.models import Call, CallMedia, EndReason, RecordingChunk
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
        # The terminal told the server that media is flowing (lost time is counted from this).
        wait_until(lambda: CallMedia.objects.filter(call=visit.call, ended_at=None).exists())
    assert calls.csp_violations == []


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
    page.wait_for_function("() => document.getElementById('level-meter').value > 0", polling=20)
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
        # The family ends the visit themselves: both screens say so.
        page.get_by_role("button", name="Leave the visit").click()
        calls.wait_state(page, "ended")
        expect(page.locator("#call-status")).to_have_text("The family left the visit.")
        calls.wait_state(terminal, "ended")
    assert Call.objects.get(pk=visit.call.pk).end_reason == EndReason.FAMILY_LEFT


def test_an_officer_watches_through_the_terminal_warns_and_ends_the_visit(
    media_browser, call_server, people, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    facility, prisoner, family, officer = people
    visit = calls.video_visit(facility, prisoner, family, custody=officer)
    assert visit.call.supervised and visit.call.recorded
    family_page = family_joins(media_browser, call_server, visit)
    terminal_page = terminal_opens(media_browser, call_server, visit)
    calls.wait_decoding(family_page)
    calls.wait_decoding(terminal_page, "family")
    watch = calls.open_context(
        media_browser,
        call_server.url,
        session=calls.session_for(officer, second_factor=True),
        desk=True,
    ).new_page()
    watch.goto(reverse("console:video_watch", args=[facility.code, visit.reference]))

    # Two streams reach the officer, both through the terminal: its own and the family's.
    calls.wait_decoding(watch, "terminal", streams=2)
    calls.wait_growing(watch)
    watch.wait_for_function("() => document.getElementById('family-video').videoWidth > 0")
    watch.wait_for_function("() => document.getElementById('terminal-video').videoWidth > 0")
    # The family's phone still sends one video stream, to the terminal only.
    family_peers = calls.stats(family_page)
    assert [peer["role"] for peer in family_peers] == ["terminal"]
    assert [r["kind"] for r in family_peers[0]["outbound"]].count("video") == 1
    calls.wait_growing(family_page)

    warning = "Speak a language the officer understands, please."
    watch.get_by_label("Written warning, shown on both screens").fill(warning)
    watch.get_by_role("button", name="Send the warning").click()
    expect(family_page.locator("#call-warning")).to_have_text(warning)
    expect(terminal_page.locator("#call-warning")).to_have_text(warning)

    # The terminal records the family's picture and both voices in chunks.
    wait_until(lambda: RecordingChunk.objects.filter(recording__call=visit.call).exists())

    reason = "A message for another prisoner was passed."
    watch.get_by_label("Reason for ending the visit (the family sees it)").fill(reason)
    watch.get_by_role("button", name="End the visit").click()
    expect(family_page.locator("#call-status")).to_have_text(
        f"An officer ended the visit. Reason: {reason}"
    )
    calls.wait_state(terminal_page, "ended")
    call = Call.objects.get(pk=visit.call.pk)
    assert (call.end_reason, call.ended_by, call.end_note) == (EndReason.OFFICER, officer, reason)
    calls.wait_stalled(family_page)
    assert calls.csp_violations == []
    # The recording is a WebM file, its chunks in order from 0.
    chunks = list(RecordingChunk.objects.filter(recording__call=visit.call).order_by("seq"))
    assert [chunk.seq for chunk in chunks] == list(range(len(chunks)))
    with storages["recordings"].open(chunks[0].name) as first:
        assert first.read(4) == b"\x1a\x45\xdf\xa3"  # the EBML header


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.5)


def test_the_call_survives_signaling_sockets_that_drop(media_browser, call_server, people):
    facility, prisoner, family, officer = people
    visit = calls.video_visit(facility, prisoner, family, custody=officer)
    family_page = family_joins(media_browser, call_server, visit)
    terminal_page = terminal_opens(media_browser, call_server, visit)
    calls.wait_decoding(family_page)
    calls.wait_decoding(terminal_page, "family")
    family_page.evaluate("window.connectionBefore = window.visitlineCall.call.role.peer.pc")
    for page in (terminal_page, family_page):
        # The socket closes under the page (a network blip); the page reconnects it itself.
        page.evaluate("window.visitlineCall.call.socket.ws.close()")
        page.wait_for_function(
            "() => window.visitlineCall.call.socket.ws"
            " && window.visitlineCall.call.socket.ws.readyState === WebSocket.OPEN"
        )
        calls.wait_growing(family_page)
        calls.wait_growing(terminal_page, "family")
        if page is terminal_page:
            # The terminal's blip did not cost the family its connection.
            assert family_page.evaluate(
                "() => window.visitlineCall.call.role.peer.pc === window.connectionBefore"
            )
    assert len(calls.stats(terminal_page)) == 1
