"""What the server decides about a video visit, seen from the browsers.

The server ends a visit at its end time and the terminal hangs up on its
command, so a family page that ignores the end still stops receiving. People
who are not participants are refused at the socket with the documented close
codes. A recorded visit shows its disclosure and cannot be joined until the
family accepts it; a legal visit shows none and cannot be watched.
"""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import StaffRole
from apps.calls import services
from apps.calls.models import Call, CallDisclosure, EndReason
from tests import factories
from tests.browser import calls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

media_browser = calls.media_browser
call_server = calls.call_server

# The socket's close code as a page of the site sees it (-1: still open after 20 s).
SOCKET_CODE_JS = """
async (path) => await new Promise((resolve) => {
  const socket = new WebSocket(`ws://${location.host}${path}`);
  socket.addEventListener("close", (event) => resolve(event.code));
  setTimeout(() => resolve(-1), 20000);
})
"""


@pytest.fixture
def prison(transactional_db):
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    prisoner = factories.prisoner(facility)
    family = factories.visitor(full_name="Ayshem Tursun")
    factories.contact(family, prisoner, relationship="spouse")
    return {
        "facility": facility,
        "prisoner": prisoner,
        "family": family,
        "officer": factories.staff(facility, StaffRole.Role.OFFICER),
    }


def page_as(media_browser, call_server, user=None, *, staff=False, session=None):
    if user is not None:
        session = calls.session_for(user, second_factor=staff)
    return calls.open_context(media_browser, call_server.url, session=session).new_page()


def socket_code(page, visit, peer="0" * 32):
    return page.evaluate(SOCKET_CODE_JS, f"/ws/calls/{visit.reference}/?peer={peer}")


def test_the_server_ends_the_visit_on_time_even_for_a_page_that_ignores_it(
    media_browser, call_server, prison
):
    # Ends 30 s from now: long enough to connect on a busy machine.
    visit = calls.video_visit(
        prison["facility"],
        prison["prisoner"],
        prison["family"],
        starts_in=-60,
        seconds=90,
        custody=prison["officer"],
    )
    family = page_as(media_browser, call_server, prison["family"].user)
    family.goto(visit.join_path)
    family.get_by_role("button", name="Join the video visit").click()
    terminal = page_as(media_browser, call_server, session=calls.terminal_session(visit))
    terminal.goto(visit.terminal_path)
    with calls.console_log(family), calls.console_log(terminal):
        calls.wait_decoding(family)
        calls.wait_growing(family)
        # This page will not obey the end message, nor drop the terminal when it leaves.
        family.evaluate(
            "const h = window.visitlineCall.handlers; h.end = () => {}; h.peer = () => {};"
        )
        calls.wait_state(terminal, "ended", timeout=90_000)
        expect(terminal.locator("#call-status")).to_have_text(
            "The visit has ended: the time is up."
        )
        family.wait_for_selector("#call[data-close-code='4000']", state="attached")
        calls.wait_stalled(family)
        # Its own connection was never closed by the page: the terminal hung up.
        assert family.locator("#call").get_attribute("data-state") != "ended"
        assert family.evaluate("window.visitlineCall.call.role.peer !== null")
    call = Call.objects.get(pk=visit.call.pk)
    assert call.ended_at is not None
    assert call.end_reason == EndReason.TIME_UP


def test_people_outside_the_visit_are_refused_at_the_socket(media_browser, call_server, prison):
    facility, family = prison["facility"], prison["family"]
    visit = calls.video_visit(facility, prison["prisoner"], family)
    # A family with a video visit of its own, to another prisoner.
    other_prisoner = factories.prisoner(facility)
    other_family = factories.visitor(full_name="Wang Li")
    factories.contact(other_family, other_prisoner)
    own = calls.video_visit(facility, other_prisoner, other_family)
    elsewhere = factories.facility(name="Kunlun Prison", code="kunlun")
    other_officer = factories.staff(elsewhere, StaffRole.Role.OFFICER)

    anonymous = page_as(media_browser, call_server)
    anonymous.goto("/")
    assert socket_code(anonymous, visit) == 4401

    stranger = page_as(media_browser, call_server, other_family.user)
    stranger.goto(own.join_path)  # their own visit opens
    expect(stranger.get_by_role("button", name="Join the video visit")).to_be_visible()
    assert socket_code(stranger, visit) == 4403
    assert stranger.goto(visit.join_path).status == 404

    officer = page_as(media_browser, call_server, other_officer, staff=True)
    officer.goto("/")
    assert socket_code(officer, visit) == 4403

    # Another terminal's device account cannot take this visit's place.
    other_terminal = page_as(media_browser, call_server, session=calls.terminal_session(own))
    other_terminal.goto("/terminal/")
    assert socket_code(other_terminal, visit) == 4403
    assert other_terminal.goto(visit.terminal_path).status == 404

    # The rightful family is let in.
    rightful = page_as(media_browser, call_server, family.user)
    rightful.goto(visit.join_path)
    rightful.get_by_role("button", name="Join the video visit").click()
    calls.wait_state(rightful, "waiting")


def test_a_recorded_visit_is_disclosed_and_accepted_before_joining(
    media_browser, call_server, prison
):
    visit = calls.video_visit(
        prison["facility"], prison["prisoner"], prison["family"], acknowledged=False
    )
    assert visit.call.recorded and visit.call.supervised
    family = page_as(media_browser, call_server, prison["family"].user)
    family.goto(visit.join_path)
    disclosure = family.locator("#disclosure")
    expect(disclosure).to_contain_text("This visit is recorded.")
    expect(disclosure).to_contain_text("An officer at the prison can see and hear this visit")
    expect(family.get_by_role("button", name="Join the video visit")).to_have_count(0)
    assert socket_code(family, visit) == 4412

    family.get_by_label("I have read this and agree to it").check()
    family.get_by_role("button", name="Continue").click()
    expect(family.locator("#disclosure")).to_contain_text("You have read and agreed")
    family.get_by_role("button", name="Join the video visit").click()
    calls.wait_state(family, "waiting")
    assert CallDisclosure.objects.filter(call=visit.call, visitor=prison["family"]).exists()
    assert calls.csp_violations == []


def test_a_page_that_joins_too_late_says_why(media_browser, call_server, prison):
    visit = calls.video_visit(prison["facility"], prison["prisoner"], prison["family"])
    family = page_as(media_browser, call_server, prison["family"].user)
    family.goto(visit.join_path)
    # The visit ends (an officer ends it) while the page is open, before the tap.
    calls.in_thread(
        services.call_end, actor=prison["officer"], call=visit.call, reason="The prisoner is ill."
    )
    family.get_by_role("button", name="Join the video visit").click()
    calls.wait_state(family, "refused")
    expect(family.locator("#call-status")).to_have_text("This visit has already ended.")
    assert family.locator("#call").get_attribute("data-close-code") == "4410"


def test_a_legal_visit_shows_no_observation_and_cannot_be_watched(
    media_browser, call_server, prison
):
    visit = calls.video_visit(
        prison["facility"],
        prison["prisoner"],
        prison["family"],
        kind="legal",
        acknowledged=False,
    )
    assert not visit.call.recorded and not visit.call.supervised
    family = page_as(media_browser, call_server, prison["family"].user)
    family.goto(visit.join_path)
    expect(family.locator("#disclosure")).to_have_count(0)
    expect(family.get_by_text("neither supervised nor recorded")).to_be_visible()
    family.get_by_role("button", name="Join the video visit").click()
    calls.wait_state(family, "waiting")

    terminal = page_as(media_browser, call_server, session=calls.terminal_session(visit))
    terminal.goto(visit.terminal_path)
    expect(terminal.locator("#disclosure")).to_have_count(0)
    expect(terminal.get_by_text("neither supervised nor recorded")).to_be_visible()
    assert not calls.config_of(terminal)["recorded"]

    officer = page_as(media_browser, call_server, prison["officer"], staff=True)
    officer.goto("/")
    assert socket_code(officer, visit) == 4403
