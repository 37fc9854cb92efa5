"""Cancelling gives the seat and the allowance back; visits move only along allowed states."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_cancel, booking_create, booking_transition
from apps.facilities.models import Slot
from apps.facilities.services import closure_create
from tests import factories


def book(world, slot, **kwargs):
    return booking_create(
        actor=world.family.user,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key=uuid.uuid4().hex,
        **kwargs,
    )


def counters(booking):
    slot = Slot.objects.get(pk=booking.slot_id)
    usage = AllowanceUsage.objects.get(pk=booking.allowance_usage_id)
    return slot.booked_count, usage.used


def test_cancelling_gives_back_the_seat_and_the_visit(world):
    booking = book(world, factories.slot(world.facility, capacity=1))
    assert counters(booking) == (1, 1)
    booking_cancel(actor=world.family.user, booking=booking, reason="Bus cancelled")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert counters(booking) == (0, 0)
    assert AuditEvent.objects.filter(action="booking.cancel", target_id=str(booking.pk)).exists()
    # The seat really is free again: someone else can take it.
    assert book(world, Slot.objects.get(pk=booking.slot_id))


def test_a_booking_cannot_be_cancelled_twice(world):
    booking = book(world, factories.slot(world.facility))
    booking_cancel(actor=world.family.user, booking=booking)
    with pytest.raises(ValidationError) as info:
        booking_cancel(actor=world.officer, booking=booking)
    assert info.value.code == "not_cancellable"
    assert counters(booking) == (0, 0)


def test_only_the_party_or_staff_of_the_facility_may_cancel(world):
    booking = book(world, factories.slot(world.facility))
    for intruder in (world.other_family.user, world.other_officer):
        with pytest.raises(PermissionDenied):
            booking_cancel(actor=intruder, booking=booking)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED
    booking_cancel(actor=world.officer, booking=booking, reason="Family phoned")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_a_family_cannot_cancel_a_visit_that_has_begun(world):
    booking = book(world, factories.slot(world.facility))
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(ValidationError) as info:
        booking_cancel(actor=world.family.user, booking=booking)
    assert info.value.code == "started"


def started(booking):
    """Move a booking's time to now, as if its day had come."""
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(minutes=44)
    )
    booking.refresh_from_db()
    return booking


def test_a_visit_moves_through_its_states(world):
    booking = started(book(world, factories.slot(world.facility)))
    for status in (BookingStatus.CHECKED_IN, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED):
        booking = booking_transition(actor=world.officer, booking=booking, status=status)
        assert Booking.objects.get(pk=booking.pk).status == status
    assert AuditEvent.objects.filter(action="booking.completed").count() == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ((), BookingStatus.COMPLETED),  # booked straight to completed
        ((BookingStatus.NO_SHOW,), BookingStatus.CHECKED_IN),
        ((BookingStatus.CHECKED_IN, BookingStatus.IN_PROGRESS), BookingStatus.NO_SHOW),
    ],
)
def test_impossible_moves_are_refused(world, path, status):
    booking = started(book(world, factories.slot(world.facility)))
    for step in path:
        booking = booking_transition(actor=world.officer, booking=booking, status=step)
    with pytest.raises(ValidationError) as info:
        booking_transition(actor=world.officer, booking=booking, status=status)
    assert info.value.code == "bad_transition"


def test_ending_a_visit_early_needs_a_reason(world):
    booking = started(book(world, factories.slot(world.facility)))
    for step in (BookingStatus.CHECKED_IN, BookingStatus.IN_PROGRESS):
        booking = booking_transition(actor=world.officer, booking=booking, status=step)
    with pytest.raises(ValidationError):
        booking_transition(actor=world.officer, booking=booking, status=BookingStatus.ENDED_EARLY)
    booking_transition(
        actor=world.officer,
        booking=booking,
        status=BookingStatus.ENDED_EARLY,
        reason="Rules broken",
    )
    assert Booking.objects.get(pk=booking.pk).status_reason == "Rules broken"


@pytest.mark.parametrize(
    "status", [BookingStatus.NO_SHOW, BookingStatus.COMPLETED, BookingStatus.CHECKED_IN]
)
def test_nothing_is_recorded_before_the_visit_comes(world, status):
    booking = book(world, factories.slot(world.facility, days_ahead=3))
    with pytest.raises(ValidationError) as info:
        booking_transition(actor=world.officer, booking=booking, status=status)
    assert info.value.code in {"too_early", "bad_transition"}
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED


def test_families_and_other_prisons_cannot_record_visit_states(world):
    booking = book(world, factories.slot(world.facility))
    for intruder in (world.family.user, world.other_officer, world.other_family.user):
        with pytest.raises(PermissionDenied):
            booking_transition(actor=intruder, booking=booking, status=BookingStatus.CHECKED_IN)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED


def test_a_closure_cancels_the_bookings_it_hits_and_returns_allowances(world):
    slot = factories.slot(world.facility)
    booking = book(world, slot)
    closure_create(
        actor=world.supervisor, facility=world.facility, date=slot.date, reason="Lockdown"
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.status_reason == "Lockdown"
    assert counters(booking) == (0, 0)
    event = AuditEvent.objects.get(action="closure.create")
    assert event.data["cancelled"] == [booking.reference]


def test_a_closure_needs_a_reason_and_a_senior_of_the_facility(world):
    slot = factories.slot(world.facility)
    with pytest.raises(ValidationError):
        closure_create(actor=world.supervisor, facility=world.facility, slot=slot, reason="  ")
    with pytest.raises(PermissionDenied):
        closure_create(
            actor=world.officer, facility=world.facility, slot=slot, reason="Officers may not"
        )
    with pytest.raises(PermissionDenied):
        closure_create(actor=world.other_officer, facility=world.facility, slot=slot, reason="x")
    with pytest.raises(PermissionDenied):
        closure_create(actor=world.family.user, facility=world.facility, slot=slot, reason="x")
    assert not slot.closures.exists()
