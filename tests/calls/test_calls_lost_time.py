"""Lost time is not the family's loss: extension when the terminal is free, else the visit given back."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.calls.models import Call
from apps.calls.services import (
    call_end_if_due,
    call_join,
    call_leave,
    call_media_report,
    calls_settle_overdue,
)
from apps.calls.services.calls import device_user
from apps.notifications.models import Message
from tests import factories
from tests.calls_support import video_booking, world_call

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def call(world) -> Call:
    """A 30-minute video visit that started 40 minutes ago (times are passed explicitly)."""
    return world_call(world, starts_in=-40 * MINUTE, minutes=30)


def media(call: Call, state: str, at: dt.datetime) -> None:
    call_media_report(actor=device_user(call.terminal), call=call, state=state, now=at)


def used(call: Call) -> int:
    return AllowanceUsage.objects.get(bookings=call.booking).used


def refunds(call: Call):
    return Message.objects.filter(booking=call.booking, kind=Message.Kind.TIME_REFUNDED)


def test_a_late_prison_start_is_made_up_when_the_terminal_is_free(call):
    start = call.starts_at
    call_join(call=call, role="family", now=start)
    media(call, "flowing", start + 10 * MINUTE)  # the prison side was ten minutes late

    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.ended_at is None
    assert call.extended_seconds == 600
    assert call.ends_at == start + 40 * MINUTE

    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.ended_at == start + 40 * MINUTE
    assert call.end_reason == "time_up"
    assert call.lost_seconds == 600 and not call.allowance_returned
    assert used(call) == 1
    assert not refunds(call).exists()
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.COMPLETED
    assert AuditEvent.objects.filter(action="call.extended", target_id=str(call.pk)).exists()


def test_lost_time_is_given_back_when_the_next_visit_leaves_no_room(world, call):
    video_booking(  # the terminal's next visit, two minutes after this one's end
        facility=world.facility,
        prisoner=factories.prisoner(world.facility),
        visitor=world.other_family,
        starts_in=-8 * MINUTE,
        terminal=call.terminal,
    )
    start = call.starts_at
    call_join(call=call, role="family", now=start)
    media(call, "flowing", start + 10 * MINUTE)

    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.ended_at == start + 30 * MINUTE
    assert call.extended_seconds == 0
    assert call.allowance_returned
    assert "10 minutes" in call.refund_reason
    assert used(call) == 0
    assert refunds(call).get().params == {"minutes": 10}
    event = AuditEvent.objects.get(action="call.time_refunded", target_id=str(call.pk))
    assert event.data["lost_minutes"] == 10
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.COMPLETED


def test_a_family_who_never_joined_gets_nothing_back(call):
    media(call, "flowing", call.starts_at)  # the prison side was there, waiting

    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.ended_at is not None
    assert call.end_reason == "no_show"
    assert call.lost_seconds == 0 and not call.allowance_returned
    assert used(call) == 1
    assert not refunds(call).exists()
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.NO_SHOW  # as the call says, not "completed"


def test_a_family_who_never_joined_on_a_silent_terminal_is_a_no_show(call):
    call = call_end_if_due(call.pk, now=call.ends_at)
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.NO_SHOW
    assert used(call) == 1


def test_no_time_is_lost_after_the_family_leaves(world, call):
    start = call.starts_at
    call_join(call=call, role="family", now=start)
    media(call, "flowing", start)
    media(call, "stalled", start + 10 * MINUTE)
    call = call_leave(actor=world.family.user, call=call, now=start + 12 * MINUTE)

    assert call.end_reason == "family_left"
    assert call.lost_seconds == 120  # the two minutes before leaving, nothing after
    assert not call.allowance_returned and used(call) == 1
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.COMPLETED


def test_a_prison_side_that_never_connected_costs_the_family_nothing(call):
    call_join(call=call, role="family", now=call.starts_at)

    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.ended_at is None and call.extended_seconds == 30 * 60  # another chance
    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.ended_at is not None
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.CANCELLED
    assert call.allowance_returned and used(call) == 0
    assert Message.objects.filter(
        booking=call.booking, kind=Message.Kind.CANCELLED_BY_PRISON
    ).exists()


def test_settling_twice_settles_once(world, call):
    call_join(call=call, role="family", now=call.starts_at)
    media(call, "flowing", call.starts_at + 20 * MINUTE)
    video_booking(
        facility=world.facility,
        prisoner=factories.prisoner(world.facility),
        visitor=world.other_family,
        starts_in=-9 * MINUTE,
        terminal=call.terminal,
    )
    first = call_end_if_due(call.pk, now=call.ends_at)
    second = call_end_if_due(call.pk, now=call.ends_at + MINUTE)
    assert first.ended_at == second.ended_at
    assert calls_settle_overdue() == 0  # the scheduler finds nothing left to settle
    assert used(call) == 0
    assert AuditEvent.objects.filter(action="call.time_refunded").count() == 1
    assert refunds(call).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two processes need row locks")
def test_two_processes_settling_at_once_settle_once(world):
    call = world_call(world, starts_in=-40 * MINUTE, minutes=30)
    call_join(call=call, role="family", now=call.starts_at)
    video_booking(
        facility=world.facility,
        prisoner=factories.prisoner(world.facility),
        visitor=world.other_family,
        starts_in=-9 * MINUTE,
        terminal=call.terminal,
    )
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def settle() -> None:
        try:
            barrier.wait()
            call_end_if_due(call.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=settle) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert AuditEvent.objects.filter(action="booking.cancel").count() == 1
    assert used(call) == 0


def test_the_scheduler_ends_a_visit_no_page_ever_opened(world):
    from apps.worker.jobs import scheduler_run

    booking = video_booking(
        facility=world.facility,
        prisoner=world.prisoner,
        visitor=world.family,
        starts_in=-40 * MINUTE,
        minutes=30,
    )
    assert scheduler_run()["calls_settled"] == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
    assert booking.call.end_reason == "no_show"
    assert scheduler_run()["calls_settled"] == 0


def test_a_visit_that_used_no_allowance_is_not_said_to_be_given_back(world, call):
    # A supervisor booked it past a used-up allowance: it never counted.
    Booking.objects.filter(pk=call.booking_id).update(
        allowance_usage=None, allowance_override_reason="Release next week"
    )
    call.booking.refresh_from_db()
    video_booking(
        facility=world.facility,
        prisoner=factories.prisoner(world.facility),
        visitor=world.other_family,
        starts_in=-8 * MINUTE,
        terminal=call.terminal,
    )
    call_join(call=call, role="family", now=call.starts_at)
    media(call, "flowing", call.starts_at + 10 * MINUTE)

    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.lost_seconds == 600 and not call.allowance_returned
    assert not refunds(call).exists()  # "given back" would not be true
    event = AuditEvent.objects.get(action="call.time_refunded", target_id=str(call.pk))
    assert event.data["allowance_returned"] is False


def test_media_is_recorded_even_when_the_booking_cannot_move_on(world, call):
    from apps.accounts.models import StaffRole

    call_join(call=call, role="family", now=call.starts_at)
    device = device_user(call.terminal)
    StaffRole.objects.filter(user=device).delete()  # an administrator tidied the staff list
    media(call, "flowing", call.starts_at)

    assert call.media.count() == 1  # the visit's time is not lost for a bookkeeping fault
    call = call_end_if_due(call.pk, now=call.ends_at)
    assert call.lost_seconds == 0 and not refunds(call).exists()
