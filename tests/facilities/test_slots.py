"""Slots are generated from templates, in the facility's zone, idempotently."""

import datetime as dt

import pytest
from django.core.management import call_command

from apps.facilities.models import SessionTemplate, Slot
from apps.facilities.services import slots_generate
from tests import factories


@pytest.fixture
def template(world):
    return SessionTemplate.objects.create(
        facility=world.facility,
        weekday=1,  # Tuesday
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 30),
        room=factories.room(world.facility),
        capacity=6,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )


def test_slots_follow_the_weekly_pattern_in_local_time(world, template):
    created = slots_generate(
        facility=world.facility, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 14)
    )
    assert created == 2
    slots = list(Slot.objects.order_by("date"))
    assert [s.date for s in slots] == [dt.date(2026, 12, 1), dt.date(2026, 12, 8)]
    first = slots[0]
    assert first.starts_at == dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert first.local_start.hour == 9
    assert (first.capacity, first.booked_count, first.room_id) == (6, 0, template.room_id)


def test_generating_again_changes_nothing(world, template):
    slots_generate(facility=world.facility, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31))
    Slot.objects.filter(date=dt.date(2026, 12, 1)).update(capacity=3)
    assert (
        slots_generate(
            facility=world.facility, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31)
        )
        == 0
    )
    assert Slot.objects.count() == 5
    assert Slot.objects.get(date=dt.date(2026, 12, 1)).capacity == 3


def test_templates_outside_their_validity_make_no_slots(world, template):
    assert (
        slots_generate(facility=world.facility, start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31))
        == 0
    )


def test_the_command_covers_the_booking_window(world):
    SessionTemplate.objects.create(
        facility=world.facility,
        weekday=0,
        start_time=dt.time(14, 0),
        end_time=dt.time(14, 30),
        terminal=factories.terminal(world.facility),
        capacity=1,
        valid_from=dt.date(2020, 1, 1),
    )
    call_command("generate_slots", facility=world.facility.code)
    # From Wednesday 10 June 2026 to the window's last day, 8 July: four Mondays.
    mondays = [
        dt.date(2026, 6, 15),
        dt.date(2026, 6, 22),
        dt.date(2026, 6, 29),
        dt.date(2026, 7, 6),
    ]
    assert sorted(Slot.objects.values_list("date", flat=True)) == mondays
    call_command("generate_slots")  # idempotent
    assert sorted(Slot.objects.values_list("date", flat=True)) == mondays
