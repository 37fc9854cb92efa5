"""Races with real parallel connections: the last seat, the last visit, and a retried request.

Each thread has its own database connection and they start together at a
barrier, so the database, not the test, decides who wins. These run on
PostgreSQL (row locks) and on a SQLite file (one writer at a time); an
in-memory SQLite database cannot be shared between connections, so there
the tests are skipped with that reason.
"""

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from apps.bookings.models import AllowanceUsage, Booking
from apps.bookings.services import booking_create
from apps.facilities.models import Slot
from tests import factories

RACERS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite"
        and connection.settings_dict["TEST"].get("NAME") in (None, ":memory:"),
        reason="threads need a shared database: PostgreSQL or a SQLite file (set SQLITE_TEST_NAME)",
    ),
]


def race(attempts):
    """Run each attempt in its own thread, all released at once; return (results, refusal codes)."""
    barrier = threading.Barrier(len(attempts))
    results, codes, errors = [], [], []

    def run(attempt):
        try:
            barrier.wait()
            results.append(attempt())
        except ValidationError as exc:
            codes.append(exc.code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results, codes


def booking_attempt(actor, slot, prisoner, visitor, key=None):
    key = key or uuid.uuid4().hex
    return lambda: booking_create(
        actor=actor,
        slot_id=slot.pk,
        prisoner_id=prisoner.pk,
        visitor_ids=[visitor.pk],
        kind="in_person",
        idempotency_key=key,
    )


def test_families_racing_for_the_last_seat_get_exactly_one_booking(world):
    slot = factories.slot(world.facility, capacity=1)
    attempts = []
    for _ in range(RACERS):
        prisoner = factories.prisoner(world.facility)
        family = factories.visitor()
        factories.contact(family, prisoner)
        attempts.append(booking_attempt(family.user, slot, prisoner, family))
    results, codes = race(attempts)
    assert len(results) == 1
    assert codes == ["slot_full"] * (RACERS - 1)
    assert Booking.objects.filter(slot=slot).count() == 1
    assert Slot.objects.get(pk=slot.pk).booked_count == 1


def test_families_racing_for_the_last_visit_of_the_month_get_exactly_one(world):
    level = factories.level(world.facility, in_person_per_month=1)
    world.prisoner.level = level
    world.prisoner.save(update_fields=["level"])
    world.facility.in_person_per_day = RACERS  # the month's allowance is the rule raced here
    world.facility.save(update_fields=["in_person_per_day"])
    attempts = []
    for n in range(RACERS):
        family = factories.visitor()
        factories.contact(family, world.prisoner, relationship="sibling")
        # Separate, non-overlapping slots: only the allowance can stop them.
        slot = factories.slot(world.facility, days_ahead=1, start=dt.time(8 + n, 0), minutes=30)
        attempts.append(booking_attempt(family.user, slot, world.prisoner, family))
    results, codes = race(attempts)
    assert len(results) == 1
    assert codes == ["allowance_used"] * (RACERS - 1)
    usage = AllowanceUsage.objects.get(prisoner=world.prisoner)
    assert (usage.used, usage.allowed) == (1, 1)
    assert Booking.objects.filter(prisoner=world.prisoner).count() == 1


def test_the_same_request_sent_many_times_at_once_books_once(world):
    slot = factories.slot(world.facility, capacity=5)
    attempts = [
        booking_attempt(world.family.user, slot, world.prisoner, world.family, key="double-tap")
    ] * RACERS
    results, codes = race(attempts)
    assert codes == []
    assert len({booking.pk for booking in results}) == 1
    assert Booking.objects.count() == 1
    assert Slot.objects.get(pk=slot.pk).booked_count == 1


def test_two_overlapping_visits_for_one_prisoner_racing_give_one_booking(world):
    attempts = []
    for n in range(RACERS):
        family = factories.visitor()
        factories.contact(family, world.prisoner, relationship="sibling")
        # Every slot overlaps the others: only one visit may stand.
        slot = factories.slot(world.facility, days_ahead=2, start=dt.time(9, n), minutes=45)
        attempts.append(booking_attempt(family.user, slot, world.prisoner, family))
    results, codes = race(attempts)
    assert len(results) == 1
    assert set(codes) <= {"prisoner_busy", "allowance_used"}
    assert len(codes) == RACERS - 1


def test_two_bans_racing_cannot_both_take_the_last_family_member(world):
    from django.utils import timezone

    from apps.people.models import Restriction
    from apps.people.services import restriction_create

    brother = factories.visitor()
    factories.contact(brother, world.prisoner, relationship="sibling")

    def ban(visitor):
        return lambda: restriction_create(
            actor=world.supervisor,
            facility_id=world.facility.pk,
            kind=Restriction.Kind.BAN,
            starts_at=timezone.now(),
            ends_at=timezone.now() + dt.timedelta(days=30),
            reason="Contraband",
            visitor=visitor,
        )

    results, codes = race([ban(world.family), ban(brother)])
    assert len(results) == 1
    assert codes == ["below_minimum"]
    assert Restriction.objects.count() == 1
