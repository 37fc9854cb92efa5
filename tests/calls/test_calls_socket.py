"""The signaling socket: who may join, what each may send, relay, warnings and the server's end."""

import asyncio
import datetime as dt
import json
import secrets

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.bookings.models import BookingVisitor
from apps.calls import consumers
from apps.calls.models import Call
from apps.calls.routing import websocket_urlpatterns
from apps.calls.services import call_acknowledge_disclosure, call_confirm_custody
from apps.calls.services.calls import device_user
from apps.facilities.models import Terminal
from apps.notifications.models import Message
from tests import factories
from tests.calls_support import SocketClient as WebsocketCommunicator
from tests.calls_support import video_booking, world_call
from tests.clock import at

pytestmark = pytest.mark.django_db(transaction=True)

application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
SDP = {"type": "offer", "sdp": "v=0\r\n"}
TERMINAL = object()


def cookie_of(user) -> bytes:
    browser = Client()
    browser.force_login(user)
    return f"sessionid={browser.cookies['sessionid'].value}; django_language=en".encode()


def _connection(call_id: int, user) -> tuple[str, list]:
    call = Call.objects.select_related("booking", "terminal").get(pk=call_id)
    if user is TERMINAL:
        user = device_user(call.terminal)
    elif isinstance(user, int):
        user = device_user(Terminal.objects.get(pk=user))
    headers = [(b"cookie", cookie_of(user))] if user is not None else []
    return call.booking.reference, headers


async def socket(call: Call, user=None, peer: str | None = None) -> WebsocketCommunicator:
    """A socket to the call as ``user``; TERMINAL for the call's terminal, an id for another's."""
    reference, headers = await database_sync_to_async(_connection)(call.pk, user)
    peer = peer or secrets.token_hex(16)
    return WebsocketCommunicator(
        application, f"/ws/calls/{reference}/?peer={peer}", headers=headers
    )


async def receive(comm: WebsocketCommunicator, kind: str | None = None) -> dict:
    """The next message (of ``kind``, skipping others such as clock ticks)."""
    while True:
        message = json.loads(await comm.receive_from(timeout=5))
        if kind is None or message["type"] == kind:
            return message


async def refused_with(comm: WebsocketCommunicator) -> int:
    connected, _ = await comm.connect()
    assert connected  # accepted, then closed at once so the browser sees the code
    output = await comm.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    return output["code"]


async def joined(comm: WebsocketCommunicator) -> dict:
    connected, _ = await comm.connect()
    assert connected
    return await receive(comm, "welcome")


def ready(world, **options) -> Call:
    """A call that is live now, disclosed to the family and with custody confirmed."""
    call = world_call(world, **options)
    call_acknowledge_disclosure(actor=world.family.user, call=call)
    return call_confirm_custody(actor=world.officer, call=call)


def run(scenario):
    async_to_sync(scenario)()


@pytest.fixture
def call(world):
    return ready(world)


def test_strangers_are_refused_with_their_reason(world, call):
    other_booking_family = factories.visitor(full_name="Li Na")
    video_booking(  # their own visit, at the same time, with someone else
        facility=world.facility,
        prisoner=factories.prisoner(world.facility),
        visitor=other_booking_family,
    )
    legal = world_call(world, kind="legal", prisoner=factories.prisoner(world.facility))
    unsupervised = world_call(world, prisoner=factories.prisoner(world.facility))
    Call.objects.filter(pk=unsupervised.pk).update(supervised=False)
    other_terminal = factories.terminal(world.facility)

    async def scenario():
        assert await refused_with(await socket(call)) == 4401
        assert await refused_with(await socket(call, world.other_family.user)) == 4403
        assert await refused_with(await socket(call, other_booking_family.user)) == 4403
        assert await refused_with(await socket(call, world.other_officer)) == 4403
        assert await refused_with(await socket(call, other_terminal.pk)) == 4403
        assert await refused_with(await socket(legal, world.officer)) == 4403
        assert await refused_with(await socket(unsupervised, world.officer)) == 4403
        cookie = await database_sync_to_async(cookie_of)(world.officer)
        bad = WebsocketCommunicator(
            application, "/ws/calls/ZZZZZZZZ/?peer=" + "a" * 32, headers=[(b"cookie", cookie)]
        )
        assert await refused_with(bad) == 4404

    run(scenario)


def test_joining_outside_the_window_is_refused(world):
    early = ready(world, starts_in=dt.timedelta(hours=2))
    over = ready(world, starts_in=dt.timedelta(hours=-2), minutes=30)

    async def scenario():
        assert await refused_with(await socket(early, world.family.user)) == 4408
        assert await refused_with(await socket(over, world.family.user)) == 4410

    run(scenario)


def test_a_family_that_has_not_acknowledged_the_disclosure_waits(world):
    call = world_call(world)
    assert call.recorded

    async def scenario():
        assert await refused_with(await socket(call, world.family.user)) == 4412

    run(scenario)


def test_welcome_tells_each_role_what_the_server_decided(world, call):
    async def scenario():
        family = await socket(call, world.family.user)
        welcome = await joined(family)
        assert welcome["you"]["role"] == "family"
        assert welcome["call"]["recorded"] is True
        assert welcome["call"]["custody_confirmed"] is True
        assert welcome["media"]["backend"] == "p2p"
        assert (await receive(family, "clock"))["ends_at"] == call.ends_at.isoformat()
        await family.disconnect()

    run(scenario)
    assert Call.objects.get(pk=call.pk).family_joined_at is not None


def test_family_and_terminal_meet_and_relay_signals(world, call):
    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        family = await socket(call, world.family.user, peer="2" * 32)
        officer = await socket(call, world.officer, peer="3" * 32)
        await joined(terminal)
        await joined(family)
        assert await receive(terminal, "peer") == {
            "type": "peer",
            "event": "joined",
            "peer": "2" * 32,
            "role": "family",
        }
        assert (await receive(family, "peer"))["role"] == "terminal"
        await joined(officer)
        assert (await receive(terminal, "peer"))["role"] == "officer"
        assert (await receive(officer, "peer"))["role"] == "terminal"

        await family.send_to(json.dumps({"type": "signal", "to": "1" * 32, "description": SDP}))
        relayed = await receive(terminal, "signal")
        assert relayed == {"type": "signal", "from": "2" * 32, "description": SDP}
        candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}
        await terminal.send_to(
            json.dumps({"type": "signal", "to": "3" * 32, "candidate": candidate})
        )
        assert (await receive(officer, "signal"))["candidate"]["sdpMid"] == "0"

        # The family never hears of the officer, and cannot reach one.
        await family.send_to(json.dumps({"type": "signal", "to": "3" * 32, "description": SDP}))
        assert (await receive(family, "error"))["code"] == "unknown_peer"
        await officer.disconnect()
        assert (await receive(terminal, "peer"))["event"] == "left"
        await family.send_to(json.dumps({"type": "ping"}))
        assert (await receive(family))["type"] == "clock"  # no peer message about the officer
        for comm in (terminal, family):
            await comm.disconnect()

    run(scenario)


def test_bad_messages_get_an_error_and_change_nothing(world, call):
    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        family = await socket(call, world.family.user, peer="2" * 32)
        await joined(terminal)
        await joined(family)
        await receive(family, "peer")
        for frame, code in [
            ("{not json", "bad_message"),
            (
                json.dumps(
                    {
                        "type": "signal",
                        "to": "1" * 32,
                        "description": {"type": "offer", "sdp": "x" * 70_000},
                    }
                ),
                "too_large",
            ),
            (json.dumps({"type": "dance"}), "bad_message"),
            (json.dumps({"type": "signal", "to": "1" * 32}), "bad_message"),
            (json.dumps({"type": "warn", "text": "Stop"}), "not_allowed"),
            (json.dumps({"type": "end", "reason": "Because"}), "not_allowed"),
            (json.dumps({"type": "media", "state": "flowing"}), "not_allowed"),
        ]:
            await family.send_to(frame)
            error = await receive(family, "error")
            assert error["code"] == code
            assert error["message"]
        await family.send_to(bytes_data=b"\x00\x01")
        assert (await receive(family, "error"))["code"] == "bad_message"
        # The socket still works: a valid signal goes through.
        await family.send_to(json.dumps({"type": "signal", "to": "1" * 32, "description": SDP}))
        assert (await receive(terminal, "signal"))["from"] == "2" * 32
        for comm in (terminal, family):
            await comm.disconnect()

    run(scenario)
    call.refresh_from_db()
    assert call.ended_at is None
    assert not AuditEvent.objects.filter(action__in=["call.warning", "call.end"]).exists()


def test_the_family_is_connected_only_after_custody_is_confirmed(world):
    call = world_call(world)
    call_acknowledge_disclosure(actor=world.family.user, call=call)

    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        family = await socket(call, world.family.user, peer="2" * 32)
        assert (await joined(terminal))["call"]["custody_confirmed"] is False
        await joined(family)
        await receive(terminal, "peer")
        await terminal.send_to(json.dumps({"type": "signal", "to": "2" * 32, "description": SDP}))
        assert (await receive(terminal, "error"))["code"] == "custody_not_confirmed"
        await database_sync_to_async(call_confirm_custody)(actor=world.officer, call=call)
        state = await receive(terminal, "state")
        assert state["custody_confirmed"] is True
        assert (await receive(family, "state"))["custody_confirmed"] is True
        await terminal.send_to(json.dumps({"type": "signal", "to": "2" * 32, "description": SDP}))
        assert (await receive(family, "signal"))["from"] == "1" * 32
        for comm in (terminal, family):
            await comm.disconnect()

    run(scenario)


def test_a_warning_reaches_the_terminal_and_the_family(world, call):
    async def scenario():
        terminal = await socket(call, TERMINAL)
        family = await socket(call, world.family.user)
        officer = await socket(call, world.officer)
        for comm in (terminal, family, officer):
            await joined(comm)
        await officer.send_to(json.dumps({"type": "warn", "text": "Speak Mandarin or Uyghur only"}))
        for comm in (terminal, family):
            assert (await receive(comm, "warning"))["text"] == "Speak Mandarin or Uyghur only"
        for comm in (terminal, family, officer):
            await comm.disconnect()

    run(scenario)
    assert AuditEvent.objects.filter(action="call.warning", actor=world.officer).exists()


def test_an_officer_ends_a_visit_with_a_reason_the_family_sees(world, call):
    async def scenario():
        terminal = await socket(call, TERMINAL)
        family = await socket(call, world.family.user)
        officer = await socket(call, world.officer)
        for comm in (terminal, family, officer):
            await joined(comm)
        await officer.send_to(json.dumps({"type": "end", "reason": "   "}))
        assert (await receive(officer, "error"))["code"] == "bad_message"
        await officer.send_to(json.dumps({"type": "end", "reason": "Passing on threats"}))
        for comm in (terminal, family, officer):
            end = await receive(comm, "end")
            assert (end["reason"], end["note"]) == ("officer", "Passing on threats")
            assert (await comm.receive_output(timeout=5)) == {
                "type": "websocket.close",
                "code": 4000,
            }

    run(scenario)
    call.refresh_from_db()
    assert call.end_reason == "officer" and call.ended_by == world.officer
    assert AuditEvent.objects.filter(action="call.end", data__reason="Passing on threats").exists()
    told = Message.objects.filter(booking=call.booking).values_list("kind", "params")
    assert any("Passing on threats" in json.dumps(params) for _, params in told)


def test_the_server_ends_the_visit_at_its_end_time(world, clock, monkeypatch):
    monkeypatch.setattr(consumers, "CLOCK_EVERY_SECONDS", 0.05)  # the watcher reads the clock often
    clock.move_to("2026-06-10 10:20")
    call = ready(world, starts_in=dt.timedelta(minutes=-10))
    assert call.ends_at == at("2026-06-10 10:40")
    clock.move_to("2026-06-10 10:39:30")  # joined half a minute before the end: nothing to make up

    async def scenario():
        terminal = await socket(call, TERMINAL)
        family = await socket(call, world.family.user)
        await joined(terminal)
        await joined(family)
        clock.move_to("2026-06-10 10:40")
        for comm in (terminal, family):
            end = await _until_end(comm)
            assert end["reason"] == "time_up"
            assert (await comm.receive_output(timeout=5)) == {
                "type": "websocket.close",
                "code": 4000,
            }

    run(scenario)
    assert Call.objects.get(pk=call.pk).ended_at is not None


async def _until_end(comm: WebsocketCommunicator) -> dict:
    while True:
        message = json.loads(await comm.receive_from(timeout=10))
        if message["type"] == "end":
            return message


def test_the_terminal_reports_media_and_its_close_ends_the_interval(world, call):
    async def scenario():
        terminal = await socket(call, TERMINAL)
        family = await socket(call, world.family.user)
        await joined(terminal)
        await joined(family)
        await terminal.send_to(json.dumps({"type": "media", "state": "flowing"}))
        await terminal.send_to(json.dumps({"type": "ping"}))
        await receive(terminal, "clock")
        await terminal.disconnect()
        await family.disconnect()
        await asyncio.sleep(0)

    run(scenario)
    interval = call.media.get()
    assert interval.ended_at is not None
    call.booking.refresh_from_db()
    assert call.booking.status == "in_progress"


def test_the_family_leaving_ends_the_visit_for_everyone(world, call):
    async def scenario():
        terminal = await socket(call, TERMINAL)
        family = await socket(call, world.family.user)
        await joined(terminal)
        await joined(family)
        await family.send_to(json.dumps({"type": "leave"}))
        for comm in (terminal, family):
            assert (await _until_end(comm))["reason"] == "family_left"
            assert (await comm.receive_output(timeout=5))["code"] == 4000

    run(scenario)
    call.refresh_from_db()
    assert call.end_reason == "family_left" and call.ended_by == world.family.user


def test_a_terminal_socket_that_reconnects_keeps_the_media_interval(world, call):
    async def scenario():
        old = await socket(call, TERMINAL, peer="1" * 32)
        await joined(old)
        await old.send_to(json.dumps({"type": "media", "state": "flowing"}))
        new = await socket(call, TERMINAL, peer="1" * 32)
        await joined(new)
        await new.send_to(json.dumps({"type": "media", "state": "flowing"}))
        await new.send_to(json.dumps({"type": "ping"}))
        await receive(new, "clock")  # the one sent on joining
        await receive(new, "clock")  # the ping's answer: the report before it is handled
        await old.disconnect()  # the old socket's close arrives after the new one took over
        await new.send_to(json.dumps({"type": "ping"}))
        await receive(new, "clock")
        assert await database_sync_to_async(call.media.filter(ended_at=None).count)() == 1
        await new.disconnect()

    run(scenario)
    assert call.media.get().ended_at is not None


def test_a_page_cannot_take_over_another_participants_peer_id(world, call):
    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        officer = await socket(call, world.officer, peer="3" * 32)
        await joined(terminal)
        await joined(officer)
        await receive(terminal, "peer")
        impostor = await socket(call, world.family.user, peer="3" * 32)  # the officer's id
        await joined(impostor)
        await terminal.send_to(json.dumps({"type": "signal", "to": "3" * 32, "description": SDP}))
        assert (await receive(officer, "signal"))["from"] == "1" * 32
        await impostor.send_to(json.dumps({"type": "ping"}))
        seen, clocks = [], 0
        while clocks < 2:  # the clock sent on joining, then the ping's
            message = await receive(impostor)
            seen.append(message["type"])
            clocks += message["type"] == "clock"
        assert "signal" not in seen
        for comm in (terminal, officer, impostor):
            await comm.disconnect()

    run(scenario)


def test_a_socket_that_missed_the_end_is_closed_by_its_watcher(world, clock, monkeypatch):
    monkeypatch.setattr(consumers, "CLOCK_EVERY_SECONDS", 0.05)
    clock.move_to("2026-06-10 10:20")
    call = ready(world, starts_in=dt.timedelta(minutes=-10))

    def ended_elsewhere():  # as if another process ended it and its broadcast was lost
        Call.objects.filter(pk=call.pk).update(
            ended_at=timezone.now(), end_reason="officer", end_note="Ended at the desk"
        )

    async def scenario():
        family = await socket(call, world.family.user)
        await joined(family)
        await database_sync_to_async(ended_elsewhere)()
        end = await _until_end(family)
        assert (end["reason"], end["note"]) == ("officer", "Ended at the desk")
        assert (await family.receive_output(timeout=5))["code"] == 4000

    run(scenario)


def test_each_visitor_acknowledges_the_disclosure_for_themselves(world):
    call = world_call(world)
    second = factories.visitor(full_name="Zhao Min")
    BookingVisitor.objects.create(booking=call.booking, visitor=second)
    call_acknowledge_disclosure(actor=world.family.user, call=call)

    async def scenario():
        first = await socket(call, world.family.user)
        assert (await joined(first))["you"]["role"] == "family"
        # The first visitor's consent is not the second's, on another phone.
        assert await refused_with(await socket(call, second.user)) == 4412
        await database_sync_to_async(call_acknowledge_disclosure)(actor=second.user, call=call)
        assert (await joined(await socket(call, second.user)))["you"]["role"] == "family"
        await first.disconnect()

    run(scenario)


def test_media_waits_for_the_start_even_when_custody_is_confirmed(world, clock, monkeypatch):
    monkeypatch.setattr(consumers, "CLOCK_EVERY_SECONDS", 0.05)
    # Open for joining, starting two minutes from now: the waiting window.
    clock.move_to("2026-06-10 09:58")
    call = ready(world, starts_in=dt.timedelta(minutes=2))

    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        family = await socket(call, world.family.user, peer="2" * 32)
        welcome = await joined(terminal)
        assert welcome["call"]["custody_confirmed"] is True
        assert welcome["call"]["may_start"] is False
        assert (await joined(family))["call"]["may_start"] is False
        await receive(terminal, "peer")
        await terminal.send_to(json.dumps({"type": "signal", "to": "2" * 32, "description": SDP}))
        refused = await receive(terminal, "error")
        assert refused["code"] == "not_started"
        assert refused["message"] == "The visit has not started yet. It connects at the start time."

        # At the start the server tells both sides, and the same socket's offer goes through.
        clock.move_to("2026-06-10 10:00")
        assert (await receive(terminal, "state"))["may_start"] is True
        assert (await receive(family, "state"))["may_start"] is True
        await terminal.send_to(json.dumps({"type": "signal", "to": "2" * 32, "description": SDP}))
        assert (await receive(family, "signal"))["from"] == "1" * 32
        for comm in (terminal, family):
            await comm.disconnect()

    run(scenario)
