"""The database itself refuses what the services never write: it is the last line of defence."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking
from apps.bookings.services import booking_create
from apps.facilities.models import Slot
from apps.people.models import Restriction
from tests import factories


def book(world, slot):
    return booking_create(
        actor=world.officer,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="video" if slot.is_video else "in_person",
        idempotency_key=uuid.uuid4().hex,
    )


def test_a_slot_cannot_be_overbooked_even_by_a_direct_update(world):
    slot = factories.slot(world.facility, capacity=1)
    book(world, slot)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)


def test_an_allowance_cannot_be_overspent_even_by_a_direct_update(world):
    booking = book(world, factories.slot(world.facility))
    with pytest.raises(IntegrityError), transaction.atomic():
        AllowanceUsage.objects.filter(pk=booking.allowance_usage_id).update(used=F("allowed") + 1)


def test_a_restriction_without_a_reason_or_end_cannot_be_stored(world):
    base = {
        "facility": world.facility,
        "visitor": world.family,
        "kind": "ban",
        "set_by": world.officer,
        "starts_at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Restriction.objects.create(
            **base, ends_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), reason="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Restriction.objects.create(
            **base, ends_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC), reason=""
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's"
)
def test_overlapping_visits_of_one_prisoner_cannot_be_stored(world):
    first = book(world, factories.slot(world.facility, start=dt.time(9, 0), minutes=60))
    overlapping = factories.slot(world.facility, start=dt.time(9, 30), video=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            reference="TESTREF1",
            facility=world.facility,
            slot=overlapping,
            prisoner=world.prisoner,
            kind="video",
            starts_at=overlapping.starts_at,
            ends_at=overlapping.ends_at,
            created_by=world.officer,
            idempotency_key="direct",
            request_fingerprint="-",
            allowance_override_reason="only the overlap may stop this row",
        )
    assert first.pk


def test_audit_events_are_never_edited_or_deleted(world):
    book(world, factories.slot(world.facility))
    event = AuditEvent.objects.get()
    event.action = "something.else"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")
    assert AuditEvent.objects.get().action == "booking.create"
