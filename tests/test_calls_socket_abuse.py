"""A socket that sends garbage or floods the call is answered, throttled, and does not harm the call."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from apps.calls.services import call_warn
from apps.calls.sockets import MESSAGE_BURST
from tests.test_calls_socket import SDP, TERMINAL, joined, ready, receive, socket

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_a_flood_of_signals_is_throttled_and_the_call_goes_on(world):
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
        assert 0 < relayed <= MESSAGE_BURST
        assert message["text"] == "Calm down"
        errors = 0
        while (message := await receive(family))["type"] != "warning":
            errors += message["type"] == "error"
        assert errors == 0
        for comm in (terminal, family):
            await comm.disconnect()

    async_to_sync(scenario)()
