"""The pages of a video visit: the family's join page, the terminal's pages.

Each refuses the wrong person; the disclosure must be accepted before a
recorded or supervised visit can be joined, and refusing to tick the box
changes nothing; a legal visit shows no observation at all.
"""

import datetime as dt
import json

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.bookings.models import BookingVisitor
from apps.calls.models import Call, CallDisclosure
from tests import calls_support, factories

pytestmark = pytest.mark.django_db


def join_url(call: Call) -> str:
    return reverse("portal:video_join", args=[call.booking.reference])


def ack_url(call: Call) -> str:
    return reverse("portal:video_acknowledge", args=[call.booking.reference])


def config(page) -> dict:
    text = page.content.decode()
    start = text.index('id="call-config"')
    body = text[text.index(">", start) + 1 : text.index("</script>", start)]
    return json.loads(body)


def test_the_join_page_opens_before_the_start_and_says_when(client, world):
    call = calls_support.world_call(world, starts_in=dt.timedelta(hours=2))
    client.force_login(world.family.user)
    page = client.get(join_url(call))
    assert page.status_code == 200
    assert "The video visit opens at" in page.text
    assert "Join the video visit" not in page.text
    assert 'id="call-config"' not in page.text


def test_a_recorded_visit_must_be_acknowledged_before_the_join_button(client, world):
    call = calls_support.world_call(world)
    assert call.recorded and call.supervised
    client.force_login(world.family.user)
    page = client.get(join_url(call))
    assert "This visit is recorded. The recording is kept for 30 days" in page.text
    assert "An officer at the prison can see and hear this visit" in page.text
    assert "Join the video visit" not in page.text

    # Without the tick nothing is recorded and the family is told why.
    refused = client.post(ack_url(call), {}, follow=True)
    assert "Tick the box to say that you have read the notice." in refused.text
    assert not CallDisclosure.objects.filter(call=call).exists()

    accepted = client.post(ack_url(call), {"understood": "yes"}, follow=True)
    assert "Join the video visit" in accepted.text
    assert config(accepted)["role"] == "family"
    assert CallDisclosure.objects.get(call=call).visitor == world.family
    assert AuditEvent.objects.filter(action="call.disclosure_acknowledged").count() == 1


def test_a_legal_visit_shows_no_observation(client, world):
    call = calls_support.world_call(world, kind="legal")
    client.force_login(world.family.user)
    page = client.get(join_url(call))
    assert "neither supervised nor recorded" in page.text
    assert "This visit is recorded" not in page.text
    assert "Join the video visit" in page.text


def test_the_join_page_refuses_anyone_but_the_family(client, world):
    call = calls_support.world_call(world)
    assert client.get(join_url(call)).status_code == 302  # to sign in
    assert client.post(ack_url(call), {"understood": "yes"}).status_code == 302
    client.force_login(world.other_family.user)
    assert client.get(join_url(call)).status_code == 404
    assert client.post(ack_url(call), {"understood": "yes"}).status_code == 404
    assert not CallDisclosure.objects.filter(call=call).exists()
    assert client.get(ack_url(call)).status_code == 405


def test_the_visit_list_links_to_the_join_page(client, world):
    call = calls_support.world_call(world)
    client.force_login(world.family.user)
    assert join_url(call) in client.get(reverse("portal:visits")).text
    assert join_url(call) in client.get(reverse("portal:visit", args=[call.booking.reference])).text


def test_the_terminal_lists_today_and_opens_its_own_visits(world):
    call = calls_support.world_call(world)
    terminal = calls_support.terminal_client(call.terminal)
    home = terminal.get(reverse("calls:terminal_home"))
    call_url = reverse("calls:terminal_call", args=[call.booking.reference])
    assert call_url in home.text
    page = terminal.get(call_url)
    assert page.status_code == 200
    assert config(page)["role"] == "terminal"
    assert config(page)["recorded"] is True


def test_terminal_pages_refuse_other_terminals_and_people(client, world, console_as):
    call = calls_support.world_call(world)
    call_url = reverse("calls:terminal_call", args=[call.booking.reference])
    other = calls_support.terminal_client(factories.terminal(world.facility))
    assert other.get(call_url).status_code == 404
    assert call_url not in other.get(reverse("calls:terminal_home")).text
    client.force_login(world.family.user)
    for url in (call_url, reverse("calls:terminal_home")):
        response = client.get(url)
        assert response.status_code in (302, 403, 404)
        assert "call-config" not in response.content.decode()
    officer = console_as(world.officer)
    assert "call-config" not in officer.get(call_url).content.decode()


def test_each_visitor_of_the_booking_is_shown_and_asked_the_disclosure(client, world):
    call = calls_support.world_call(world)
    second = factories.visitor(full_name="Zhao Min")
    BookingVisitor.objects.create(booking=call.booking, visitor=second)
    client.force_login(world.family.user)
    assert (
        "Join the video visit"
        in client.post(ack_url(call), {"understood": "yes"}, follow=True).text
    )

    client.force_login(second.user)
    page = client.get(join_url(call))
    assert "This visit is recorded." in page.text
    assert "I have read this and agree to it" in page.text
    assert "Join the video visit" not in page.text
    accepted = client.post(ack_url(call), {"understood": "yes"}, follow=True)
    assert "Join the video visit" in accepted.text
    acknowledged = CallDisclosure.objects.filter(call=call).values_list("visitor", flat=True)
    assert sorted(acknowledged) == sorted([world.family.pk, second.pk])
    assert AuditEvent.objects.filter(action="call.disclosure_acknowledged").count() == 2


def test_a_family_waiting_for_the_start_sees_a_countdown_from_server_time(client, world):
    call = calls_support.world_call(world, starts_in=dt.timedelta(minutes=2))
    client.force_login(world.family.user)
    page = client.post(ack_url(call), {"understood": "yes"}, follow=True)
    assert "Join the video visit" in page.text
    assert 'id="start-countdown"' in page.text
    clock = config(page)["clock"]
    assert clock["starts_at"] == call.starts_at.isoformat()
    assert clock["state"] == "open"
    assert "Waiting for the start time" in config(page)["strings"]["waiting_start"]


def test_a_visit_ended_by_a_cancellation_is_explained_to_the_family(client, world):
    call = calls_support.world_call(world, kind="legal")
    client.force_login(world.family.user)
    reasons = config(client.get(join_url(call)))["strings"]["end_reasons"]
    assert reasons["cancelled"] == "The visit has ended: the booking was cancelled."
    assert reasons["cancelled"] != reasons["time_up"]
