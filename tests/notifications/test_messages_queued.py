"""Every change a family must hear about queues exactly one message per phone, in its language."""

import datetime as dt

import pytest

from apps.bookings.services import booking_cancel, booking_create
from apps.facilities.services import closure_create
from apps.notifications.models import Message
from apps.people.models import Contact
from apps.people.services import contact_decide
from tests import factories


def book(world, visitors, key="k", slot=None):
    return booking_create(
        actor=world.family.user,
        slot_id=(slot or factories.slot(world.facility)).pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[v.pk for v in visitors],
        kind="in_person",
        idempotency_key=key,
    )


def test_a_booking_tells_each_phone_once_in_its_language(world):
    world.family.preferred_language = "ug"
    world.family.save()
    child = factories.visitor(
        born=dt.date(2018, 6, 10),
        with_user=False,
        registered_by=world.family,
        phone=world.family.phone,
    )
    factories.contact(child, world.prisoner, relationship="child")
    slot = factories.slot(world.facility)
    booking = book(world, [world.family, child], slot=slot)
    book(world, [world.family, child], slot=slot)  # a retry queues nothing more
    messages = list(Message.objects.all())
    assert [(m.kind, m.recipient, m.language) for m in messages] == [("booked", world.family, "ug")]
    assert messages[0].params["reference"] == booking.reference


def test_a_cancellation_by_the_prison_carries_its_reason(world):
    booking = book(world, [world.family])
    closure_create(
        actor=world.supervisor,
        facility=world.facility,
        date=booking.slot.date,
        reason="Water main burst",
    )
    message = Message.objects.get(kind="cancelled_by_prison")
    assert message.params["reason"] == "Water main burst"
    assert message.booking == booking


def test_a_family_cancellation_is_confirmed(world):
    booking = book(world, [world.family])
    booking_cancel(actor=world.family.user, booking=booking)
    assert Message.objects.filter(kind="cancelled_by_family", recipient=world.family).count() == 1


@pytest.mark.parametrize(
    ("status", "kind"), [("approved", "contact_approved"), ("rejected", "contact_rejected")]
)
def test_a_decision_on_a_contact_request_is_told(world, status, kind):
    contact = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    contact_decide(
        actor=world.officer,
        contact=contact,
        status=status,
        reason="Not a relative" if status == "rejected" else "",
    )
    message = Message.objects.get()
    assert (message.kind, message.recipient_id) == (kind, contact.visitor_id)
    assert message.params["prisoner"] == world.prisoner.full_name


def test_a_refused_booking_queues_nothing(world):
    slot = factories.slot(world.facility, capacity=1)
    slot.booked_count = 1
    slot.save()
    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is tested elsewhere
        booking_create(
            actor=world.family.user,
            slot_id=slot.pk,
            prisoner_id=world.prisoner.pk,
            visitor_ids=[world.family.pk],
            kind="in_person",
            idempotency_key="full",
        )
    assert not Message.objects.exists()
