"""Sockets under strain: garbage and floods are answered and throttled, and every socket is closed at the end."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.utils import timezone

from apps.calls import consumers, services, sockets
from apps.calls.models import Call
from apps.calls.services import call_acknowledge_disclosure, call_warn
from apps.calls.sockets import MAX_FAMILY_PEERS, MESSAGE_BURST
from tests.calls.test_calls_socket import SDP, TERMINAL, joined, ready, receive, socket
from tests.calls_support import world_call

pytestmark = pytest.mark.django_db(transaction=True)
MINUTE = dt.timedelta(minutes=1)


async def soon(comm, kind: str, most: int = 200) -> dict:
    """The next message of ``kind`` among the next ``most`` (the watcher ticks fast here)."""
    for _ in range(most):
        message = await receive(comm)
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def test_deeply_nested_json_is_a_bad_message_and_the_socket_stays(world):
    call = ready(world)

    async def scenario():
        family = await socket(call, world.family.user)
        await joined(family)
        await family.send_to("[" * 60_000)
        assert (await receive(family, "error"))["code"] == "bad_message"
        await family.send_to(json.dumps({"type": "ping"}))
        assert (await receive(family, "clock"))["type"] == "clock"
        await family.disconnect()

    async_to_sync(scenario)()


def test_a_flood_of_signals_is_throttled_and_the_call_goes_on(world, monkeypatch):
    # The budget does not refill while the flood is sent, however slow the machine.
    monkeypatch.setattr(sockets, "MESSAGES_PER_SECOND", 0.0)
    call = ready(world)
    flood = 10 * MESSAGE_BURST

    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        family = await socket(call, world.family.user, peer="2" * 32)
        await joined(terminal)
        await joined(family)
        await receive(family, "peer")
        signal = json.dumps({"type": "signal", "to": "1" * 32, "description": SDP})
        for _ in range(flood):
            await family.send_to(signal)
        # One error says so (not one per dropped message), and the socket is still open.
        assert (await receive(family, "error"))["code"] == "too_many"
        # The terminal got at most a burst of them, and still hears the call.
        await database_sync_to_async(call_warn)(actor=world.officer, call=call, text="Calm down")
        relayed = 0
        while (message := await receive(terminal))["type"] != "warning":
            relayed += message["type"] == "signal"
        assert relayed == MESSAGE_BURST
        assert message["text"] == "Calm down"
        errors = 0
        while (message := await receive(family))["type"] != "warning":
            errors += message["type"] == "error"
        assert errors == 0
        for comm in (terminal, family):
            await comm.disconnect()

    async_to_sync(scenario)()


def test_a_budget_refills_at_its_rate_up_to_one_burst(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(sockets, "time", SimpleNamespace(monotonic=lambda: now[0]))
    budget = sockets.Budget(at=now[0])
    assert all(budget.spend() for _ in range(MESSAGE_BURST))
    assert not budget.spend() and budget.first_refusal()
    assert not budget.spend() and not budget.first_refusal()
    now[0] += 1.0  # one second buys MESSAGES_PER_SECOND messages, no more
    assert sum(budget.spend() for _ in range(MESSAGE_BURST)) == int(sockets.MESSAGES_PER_SECOND)
    now[0] += 3600.0  # an hour of quiet still buys only one burst
    assert sum(budget.spend() for _ in range(2 * MESSAGE_BURST)) == MESSAGE_BURST


def test_a_watcher_that_lost_the_race_to_end_still_closes_its_socket(world, clock, monkeypatch):
    monkeypatch.setattr(consumers, "CLOCK_EVERY_SECONDS", 0.05)
    clock.move_to("2026-06-10 10:20")
    call = ready(world, starts_in=-10 * MINUTE)  # ends at 10:40
    clock.move_to("2026-06-10 10:39:30")  # joined half a minute before the end: nothing to make up

    def ended_by_another_process(call_id: int, **_kwargs) -> Call:
        # Another process won the row lock, and its broadcast never came here.
        Call.objects.filter(pk=call_id).update(ended_at=timezone.now(), end_reason="time_up")
        return Call.objects.get(pk=call_id)

    monkeypatch.setattr(services, "call_end_if_due", ended_by_another_process)

    async def scenario():
        family = await socket(call, world.family.user)
        await joined(family)
        clock.move_to("2026-06-10 10:40")
        while (message := await receive(family))["type"] != "end":
            pass
        assert message["reason"] == "time_up"
        assert (await family.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4000}

    async_to_sync(scenario)()


def test_a_fault_at_the_end_is_retried_until_the_socket_is_closed(world, clock, monkeypatch):
    monkeypatch.setattr(consumers, "CLOCK_EVERY_SECONDS", 0.05)  # the watcher's retry
    clock.move_to("2026-06-10 10:20")
    call = ready(world, starts_in=-10 * MINUTE)  # ends at 10:40
    clock.move_to("2026-06-10 10:39:30")  # joined half a minute before the end: nothing to make up
    real_end = services.call_end_if_due
    faults = []

    def database_away_once(call_id: int, **kwargs) -> Call:
        if not faults:
            faults.append(call_id)
            raise OperationalError("the database went away")
        return real_end(call_id, **kwargs)

    monkeypatch.setattr(services, "call_end_if_due", database_away_once)

    async def scenario():
        family = await socket(call, world.family.user)
        await joined(family)
        clock.move_to("2026-06-10 10:40")
        assert (await receive(family, "end"))["reason"] == "time_up"
        assert (await family.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4000}

    async_to_sync(scenario)()
    assert faults and Call.objects.get(pk=call.pk).end_reason == "time_up"


def test_a_signal_under_another_participants_peer_id_is_not_delivered(world):
    call = ready(world)

    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        officer = await socket(call, world.officer, peer="3" * 32)
        await joined(terminal)
        await joined(officer)
        await receive(terminal, "peer")
        impostor = await socket(call, world.family.user, peer="3" * 32)  # the officer's id
        await joined(impostor)
        await receive(impostor, "peer")  # it meets the terminal
        forged = {"type": "answer", "sdp": "v=0\r\no=impostor\r\n"}
        await impostor.send_to(
            json.dumps({"type": "signal", "to": "1" * 32, "description": forged})
        )
        await impostor.send_to(json.dumps({"type": "ping"}))
        await receive(impostor, "clock")  # its signal has been passed on by now
        await officer.send_to(json.dumps({"type": "signal", "to": "1" * 32, "description": SDP}))
        # Messages to one socket keep their order: the first signal would be the forged one.
        assert (await receive(terminal, "signal"))["description"] == SDP
        for comm in (terminal, officer, impostor):
            await comm.disconnect()

    async_to_sync(scenario)()


def test_the_terminal_is_told_of_a_few_family_pages_not_of_a_swarm(world):
    call = ready(world)

    async def scenario():
        terminal = await socket(call, TERMINAL)
        await joined(terminal)
        await receive(terminal, "clock")  # the one sent on joining
        pages = []
        for _ in range(MAX_FAMILY_PEERS + 3):
            page = await socket(call, world.family.user)
            await joined(page)
            await receive(page, "peer")  # the terminal's socket has heard of this page
            pages.append(page)
        await terminal.send_to(json.dumps({"type": "ping"}))
        told = 0
        while (message := await receive(terminal))["type"] != "clock":
            told += message["type"] == "peer"
        assert told == MAX_FAMILY_PEERS
        for comm in (terminal, *pages):
            await comm.disconnect()

    async_to_sync(scenario)()


def test_a_socket_that_missed_the_custody_broadcast_learns_it_at_its_tick(world, monkeypatch):
    monkeypatch.setattr(consumers, "CLOCK_EVERY_SECONDS", 0.05)  # the watcher's tick
    call = world_call(world)
    call_acknowledge_disclosure(actor=world.family.user, call=call)

    def confirmed_elsewhere() -> None:  # as by another process whose broadcast was lost
        Call.objects.filter(pk=call.pk).update(
            custody_confirmed_at=timezone.now(), custody_confirmed_by=world.officer
        )

    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        family = await socket(call, world.family.user, peer="2" * 32)
        await joined(terminal)
        await joined(family)
        await receive(terminal, "peer")
        await database_sync_to_async(confirmed_elsewhere)()
        assert (await soon(terminal, "state"))["custody_confirmed"] is True
        await terminal.send_to(json.dumps({"type": "signal", "to": "2" * 32, "description": SDP}))
        assert (await receive(family, "signal"))["from"] == "1" * 32
        for comm in (terminal, family):
            await comm.disconnect()

    async_to_sync(scenario)()
