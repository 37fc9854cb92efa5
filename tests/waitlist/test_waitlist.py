"""The waitlist: who is offered a freed seat, how the hold holds it, and when it lapses."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.bookings.models import Booking
from apps.bookings.services import booking_cancel, booking_create
from apps.facilities.models import Room, Slot
from apps.facilities.services import slot_capacity_set
from apps.notifications.models import Message
from apps.people.models import Contact
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.services import (
    waitlist_accept,
    waitlist_join,
    waitlist_offer_seats,
    waitlist_release_lapsed,
)
from tests import factories

Status = WaitlistEntry.Status


def book(slot, prisoner, visitor):
    return booking_create(
        actor=visitor.user,
        slot_id=slot.pk,
        prisoner_id=prisoner.pk,
        visitor_ids=[visitor.pk],
        kind="video" if slot.is_video else "in_person",
        idempotency_key=uuid.uuid4().hex,
    )


def family_of(prisoner, **fields):
    visitor = factories.visitor(**fields)
    factories.contact(visitor, prisoner, relationship="sibling")
    return visitor


def full_slot(world, capacity=1):
    """A slot filled by families of their own; returns (slot, their bookings)."""
    slot = factories.slot(world.facility, capacity=capacity, days_ahead=5)
    bookings = []
    for _ in range(capacity):
        prisoner = factories.prisoner(world.facility)
        bookings.append(book(slot, prisoner, family_of(prisoner)))
    return slot, bookings


def join(visitor, prisoner, slot):
    return waitlist_join(
        actor=visitor.user, visitor=visitor, prisoner=prisoner, day=slot.date, kind="in_person"
    )


def waiter(world, slot, *, visits_used=0):
    """A family waiting for ``slot``'s date, whose prisoner has had ``visits_used`` visits."""
    prisoner = factories.prisoner(world.facility)
    visitor = family_of(prisoner, preferred_language="ug")
    room = Room.objects.get(pk=slot.room_id)
    for n in range(visits_used):
        other = factories.slot(world.facility, days_ahead=6 + n, room=room)
        book(other, prisoner, visitor)
    return join(visitor, prisoner, slot)


def state(entry):
    entry.refresh_from_db()
    return entry.status


def test_fewest_visits_first_then_the_earliest_to_ask(world):
    slot, (taken,) = full_slot(world)
    busy = waiter(world, slot, visits_used=1)
    early = waiter(world, slot)
    late = waiter(world, slot)
    booking_cancel(actor=taken.created_by, booking=taken)
    assert waitlist_offer_seats() == 1
    assert [state(busy), state(early), state(late)] == [Status.WAITING, Status.OFFERED, "waiting"]
    offer = Message.objects.get(kind=Message.Kind.WAITLIST_OFFER)
    assert (offer.recipient_id, offer.language) == (early.visitor_id, "ug")


def test_a_held_seat_cannot_be_taken_by_anyone_else(world):
    slot, (taken,) = full_slot(world)
    entry = waiter(world, slot)
    booking_cancel(actor=taken.created_by, booking=taken)
    waitlist_offer_seats()
    assert Slot.objects.get(pk=slot.pk).booked_count == 1
    with pytest.raises(ValidationError) as refused:
        book(slot, world.prisoner, world.family)
    assert refused.value.code == "slot_full"
    booking = waitlist_accept(actor=entry.visitor.user, entry=entry)
    assert (booking.slot_id, booking.status) == (slot.pk, "booked")
    assert Slot.objects.get(pk=slot.pk).booked_count == 1
    assert state(entry) == Status.ACCEPTED
    assert waitlist_offer_seats() == 0


def test_a_lapsed_hold_goes_to_the_next_in_line(world, settings):
    settings.WAITLIST_HOLD_MINUTES = 30
    slot, (taken,) = full_slot(world)
    first, second = waiter(world, slot), waiter(world, slot)
    booking_cancel(actor=taken.created_by, booking=taken)
    waitlist_offer_seats()
    first.refresh_from_db()
    assert waitlist_release_lapsed(now=first.hold_until - dt.timedelta(seconds=1)) == 0
    later = first.hold_until + dt.timedelta(seconds=1)
    assert waitlist_release_lapsed(now=later) == 1
    assert Slot.objects.get(pk=slot.pk).booked_count == 0
    assert waitlist_offer_seats(now=later) == 1
    assert [state(first), state(second)] == [Status.LAPSED, Status.OFFERED]
    assert Slot.objects.get(pk=slot.pk).booked_count == 1


def test_an_offer_cannot_be_accepted_after_its_hold(world, settings):
    slot, (taken,) = full_slot(world)
    entry = waiter(world, slot)
    booking_cancel(actor=taken.created_by, booking=taken)
    waitlist_offer_seats()
    WaitlistEntry.objects.filter(pk=entry.pk).update(
        hold_until=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError) as refused:
        waitlist_accept(actor=entry.visitor.user, entry=entry)
    assert refused.value.code == "hold_lapsed"


def test_a_family_whose_contact_was_removed_gets_no_offer(world):
    slot, (taken,) = full_slot(world)
    removed, kept = waiter(world, slot), waiter(world, slot)
    Contact.objects.filter(visitor=removed.visitor).update(status=Contact.Status.SUSPENDED)
    booking_cancel(actor=taken.created_by, booking=taken)
    assert waitlist_offer_seats() == 1
    assert [state(removed), state(kept)] == [Status.WAITING, Status.OFFERED]
    assert not Message.objects.filter(recipient=removed.visitor, kind="waitlist_offer").exists()


def test_several_seats_freed_at_once_go_to_as_many_families(world):
    slot, bookings = full_slot(world, capacity=3)
    entries = [waiter(world, slot) for _ in range(4)]
    for booking in bookings:
        booking_cancel(actor=booking.created_by, booking=booking)
    assert waitlist_offer_seats() == 3
    assert [state(e) for e in entries] == [Status.OFFERED] * 3 + [Status.WAITING]
    assert Slot.objects.get(pk=slot.pk).booked_count == 3


def test_a_capacity_raise_is_offered_too(world):
    slot, _ = full_slot(world)
    entry = waiter(world, slot)
    slot_capacity_set(actor=world.supervisor, slot=slot, capacity=2, reason="A table mended")
    assert waitlist_offer_seats() == 1
    assert state(entry) == Status.OFFERED


def test_offers_never_overspend_the_allowance(world, clock):
    """Two relatives of a prisoner with one visit left: only one seat is held for them."""
    clock.move_to("2026-06-10 10:00")  # the two visits below, on 13 and 16 June, share a month
    level = factories.level(world.facility, in_person_per_month=2)
    prisoner = factories.prisoner(world.facility, level=level)
    slot, bookings = full_slot(world, capacity=2)
    earlier = factories.slot(world.facility, days_ahead=6, capacity=2)
    first, second = family_of(prisoner), family_of(prisoner)
    book(earlier, prisoner, first)
    entries = [join(first, prisoner, slot), join(second, prisoner, slot)]
    for booking in bookings:
        booking_cancel(actor=booking.created_by, booking=booking)
    assert waitlist_offer_seats() == 1
    assert sorted(state(e) for e in entries) == [Status.OFFERED, Status.WAITING]


def test_a_cancellation_queues_an_offer_round_when_it_commits(
    world, django_capture_on_commit_callbacks
):
    _slot, (taken,) = full_slot(world)
    with django_capture_on_commit_callbacks() as callbacks:
        booking_cancel(actor=taken.created_by, booking=taken)
    assert any(getattr(c, "__name__", "") == "_offer_freed_seat" for c in callbacks)


def test_a_family_cannot_wait_for_a_prisoner_it_may_not_visit(world):
    slot, _ = full_slot(world)
    with pytest.raises(PermissionDenied):
        join(world.other_family, world.prisoner, slot)
    assert not Booking.objects.filter(prisoner=world.prisoner).exists()


def test_a_capacity_cut_returns_a_hold_before_cancelling_a_booking(world):
    slot, (kept, freed) = full_slot(world, capacity=2)
    entry = waiter(world, slot)
    booking_cancel(actor=freed.created_by, booking=freed)
    waitlist_offer_seats()
    assert state(entry) == Status.OFFERED
    slot_capacity_set(actor=world.supervisor, slot=slot, capacity=1, reason="A table broke")
    assert state(entry) == Status.WAITING
    assert Booking.objects.get(pk=kept.pk).status == "booked"
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked_count) == (1, 1)


def test_a_family_that_leaves_during_an_offer_round_gets_no_offer(world):
    """The round read the entry as waiting; the family left before the offer was written."""
    from apps.waitlist.services import _offer

    slot = factories.slot(world.facility, days_ahead=3, capacity=1)
    entry = WaitlistEntry.objects.create(
        facility=world.facility,
        prisoner=world.prisoner,
        visitor=world.family,
        date=slot.date,
        kind="in_person",
    )
    stale = WaitlistEntry.objects.get(pk=entry.pk)  # what the offer round had read
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.WITHDRAWN)
    _offer(stale, slot, timezone.now())
    assert WaitlistEntry.objects.get(pk=entry.pk).status == WaitlistEntry.Status.WITHDRAWN
    slot.refresh_from_db()
    assert slot.booked_count == 0


def test_a_child_waiting_alone_is_passed_over_for_the_next_family(world):
    # Children must come with an adult; a waitlist seat is offered to the visitor who waited
    # alone, so a child in line would hold a seat it could never book.
    slot, (taken,) = full_slot(world)
    prisoner = factories.prisoner(world.facility)
    child = family_of(prisoner, born=slot.date.replace(year=slot.date.year - 16))
    waiting_child = join(child, prisoner, slot)
    adult = waiter(world, slot)
    booking_cancel(actor=taken.created_by, booking=taken)
    assert waitlist_offer_seats() == 1
    assert [state(waiting_child), state(adult)] == [Status.WAITING, Status.OFFERED]
