"""Cancellations and offer rounds racing on real parallel connections never overbook.

Skipped, with the reason, where threads cannot share the database (in-memory SQLite).
"""

import pytest
from django.db import connection

from apps.bookings.models import ACTIVE_STATUSES, Booking
from apps.bookings.services import booking_cancel
from apps.facilities.models import Slot
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.services import waitlist_offer_seats
from tests.bookings.test_concurrency import race
from tests.waitlist.test_waitlist import full_slot, waiter

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite"
        and connection.settings_dict["TEST"].get("NAME") in (None, ":memory:"),
        reason="threads need a shared database: PostgreSQL or a SQLite file (set SQLITE_TEST_NAME)",
    ),
]


def test_concurrent_cancellations_free_seats_for_exactly_as_many_families(world):
    slot, bookings = full_slot(world, capacity=3)
    entries = [waiter(world, slot) for _ in range(5)]

    def cancel(booking):
        return lambda: booking_cancel(actor=booking.created_by, booking=booking)

    attempts = [cancel(b) for b in bookings] + [waitlist_offer_seats] * 3
    race(attempts)
    waitlist_offer_seats()  # the round a cancellation queues when it commits
    slot = Slot.objects.get(pk=slot.pk)
    booked = Booking.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).count()
    offered = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED)
    assert booked == 0
    assert offered.count() == 3
    assert slot.booked_count == booked + offered.count() == slot.capacity
    assert len({e.visitor_id for e in offered}) == 3
    assert (
        WaitlistEntry.objects.filter(pk__in=[e.pk for e in entries], status="waiting").count() == 2
    )
