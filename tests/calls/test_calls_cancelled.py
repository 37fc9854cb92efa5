"""A video visit whose booking was cancelled is over: nobody joins it, and it is never settled twice."""

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from apps.bookings.models import AllowanceUsage, BookingStatus
from apps.bookings.services import booking_cancel
from apps.calls import consumers
from apps.calls.models import Call
from apps.calls.services import call_acknowledge_disclosure, call_end_if_due, call_join
from apps.calls.services.calls import device_user
from apps.calls.sockets import SocketRefused, socket_access
from apps.worker.jobs import scheduler_run
from tests.calls.test_calls_socket import TERMINAL, joined, receive, socket
from tests.calls_support import world_call

MINUTE = dt.timedelta(minutes=1)


def cancelled_after_joining(world) -> Call:
    """The family joined in the waiting time, then cancelled before the start."""
    call = world_call(world, starts_in=5 * MINUTE, minutes=30)
    call_acknowledge_disclosure(actor=world.family.user, call=call)
    call_join(call=call, role="family")
    booking_cancel(actor=world.family.user, booking=call.booking, reason="Ill")
    return call


def used(call: Call) -> int:
    return AllowanceUsage.objects.get(bookings=call.booking).used


@pytest.mark.django_db
def test_nobody_joins_the_call_of_a_cancelled_booking(world):
    call = cancelled_after_joining(world)
    for user in (world.family.user, device_user(call.terminal)):
        with pytest.raises(SocketRefused) as refused:
            socket_access(user, call.booking.reference)
        assert refused.value.code == 4410


@pytest.mark.django_db
def test_a_cancelled_visit_is_ended_without_a_second_refund(world):
    call = cancelled_after_joining(world)
    AllowanceUsage.objects.filter(bookings=call.booking).update(used=1)  # another visit this month

    for _try in range(2):  # neither extended nor given back a second time
        call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.ended_at is not None and call.end_reason == "cancelled"
    assert call.extended_seconds == 0 and not call.allowance_returned
    assert used(call) == 1
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.CANCELLED


@pytest.mark.django_db
def test_the_scheduler_ends_a_cancelled_visit_at_once(world):
    call = cancelled_after_joining(world)
    assert scheduler_run()["calls_settled"] == 1
    call.refresh_from_db()
    assert call.end_reason == "cancelled" and call.ended_at <= call.starts_at


@pytest.mark.django_db(transaction=True)
def test_a_connected_socket_is_closed_when_its_booking_is_cancelled(world, monkeypatch):
    monkeypatch.setattr(consumers, "CLOCK_EVERY_SECONDS", 0.05)  # the watcher's tick
    call = world_call(world, starts_in=5 * MINUTE, minutes=30)
    call_acknowledge_disclosure(actor=world.family.user, call=call)

    async def scenario():
        terminal = await socket(call, TERMINAL)
        await joined(terminal)
        await database_sync_to_async(booking_cancel)(
            actor=world.family.user, booking=call.booking, reason="Ill"
        )
        for _tick in range(100):  # the end comes at one of the watcher's next ticks
            message = await receive(terminal)
            if message["type"] == "end":
                break
        end = message
        assert end["reason"] == "cancelled"
        assert (await terminal.receive_output(timeout=5))["code"] == 4000

    async_to_sync(scenario)()
