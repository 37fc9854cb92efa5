"""Video visits through a local coturn: a relay-only call, a cut and its recovery.

The server hands out coturn REST credentials (use-auth-secret) and forces
relay candidates; getStats shows the selected candidate pair is a relay on
both sides. Killing the TURN server really cuts the media path (every packet
went through it), while the signaling socket stays up: the terminal's ICE
restarts bring the call back once coturn is started again on the same port,
without anyone touching either page. A family page that reloads joins again.
"""

import pytest

from apps.accounts.models import StaffRole
from tests import factories
from tests.browser import calls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

media_browser = calls.media_browser
call_server = calls.call_server
turn = calls.turn


@pytest.fixture
def relay_only(settings, turn):
    settings.VIDEO_STUN_URLS = []
    settings.VIDEO_TURN_URLS = [turn.url]
    settings.VIDEO_TURN_SECRET = turn.secret
    settings.VIDEO_ICE_TRANSPORT_POLICY = "relay"
    return turn


@pytest.fixture
def visit(transactional_db):
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    prisoner = factories.prisoner(facility)
    family = factories.visitor(full_name="Ayshem Tursun")
    factories.contact(family, prisoner, relationship="spouse")
    officer = factories.staff(facility, StaffRole.Role.OFFICER)
    return calls.video_visit(facility, prisoner, family, custody=officer)


def join(media_browser, call_server, visit):
    family = calls.open_context(
        media_browser, call_server.url, session=calls.session_for(visit.family.user)
    ).new_page()
    family.goto(visit.join_path)
    family.get_by_role("button", name="Join the video visit").click()
    calls.wait_state(family, "waiting")
    terminal = calls.open_context(
        media_browser, call_server.url, session=calls.terminal_session(visit), desk=True
    ).new_page()
    terminal.goto(visit.terminal_path)
    calls.wait_decoding(family)
    calls.wait_decoding(terminal, "family")
    return family, terminal


def relayed(page, role=None):
    pairs = [peer["pair"] for peer in calls.stats(page) if not role or peer["role"] == role]
    return bool(pairs) and all(
        pair and pair["local"] == "relay" and pair["remote"] == "relay" for pair in pairs
    )


def test_a_relay_only_call_goes_through_coturn(media_browser, call_server, relay_only, visit):
    family, terminal = join(media_browser, call_server, visit)
    with calls.console_log(family), calls.console_log(terminal):
        calls.wait_growing(family)
        calls.wait_growing(terminal, "family")
        assert relayed(family), calls.stats(family)
        assert relayed(terminal, "family"), calls.stats(terminal)


def test_the_call_recovers_from_a_cut_media_path_and_a_reload(
    media_browser, call_server, relay_only, visit
):
    family, terminal = join(media_browser, call_server, visit)
    with calls.console_log(family), calls.console_log(terminal):
        calls.wait_growing(family)
        relay_only.kill()
        calls.wait_stalled(family)
        calls.wait_stalled(terminal, "family")
        relay_only.start()  # the same port, the same secret
        calls.wait_growing(family, timeout=60)
        calls.wait_growing(terminal, "family", timeout=60)
        assert relayed(family), calls.stats(family)

        # The family's phone reloads the page: a new peer, offered afresh by the terminal.
        family.reload()
        family.get_by_role("button", name="Join the video visit").click()
        calls.wait_decoding(family)
        calls.wait_growing(family)
        calls.wait_growing(terminal, "family")
        assert len(calls.stats(terminal)) == 1  # the old connection was dropped
