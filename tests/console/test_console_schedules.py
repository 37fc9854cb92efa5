"""Console schedules: weekly templates, their slots, capacity and closures.

A closure or a capacity cut that hits bookings cancels them explicitly: the
seat and allowance come back and each family is told, never a silent loss.
"""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_create
from apps.facilities.models import Closure, SessionTemplate, Slot
from apps.facilities.services import (
    session_template_change,
    session_template_create,
    session_template_retire,
    slot_capacity_set,
)
from apps.notifications.models import Message
from tests import factories

# --- helpers -----------------------------------------------------------------


def url(world, name, *args, facility=None):
    return reverse(f"console:{name}", args=[(facility or world.facility).code, *args])


def book(slot, *, prisoner=None, visitor=None):
    """A booking by a family of its own (a prisoner and an approved visitor made for it)."""
    prisoner = prisoner or factories.prisoner(slot.facility)
    if visitor is None:
        visitor = factories.visitor()
        factories.contact(visitor, prisoner)
    return booking_create(
        actor=visitor.user,
        slot_id=slot.pk,
        prisoner_id=prisoner.pk,
        visitor_ids=[visitor.pk],
        kind="video" if slot.is_video else "in_person",
        idempotency_key=uuid.uuid4().hex,
    )


def written():
    """What a refused change must leave alone."""
    return (
        SessionTemplate.objects.count(),
        Slot.objects.count(),
        Closure.objects.count(),
        AuditEvent.objects.count(),
        Booking.objects.filter(status=BookingStatus.CANCELLED).count(),
        Message.objects.count(),
    )


def next_weekday(facility, weekday, weeks=0):
    today = facility.local_today()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def template_form(room=None, terminal=None, **fields):
    """The form's fields; ``room=""`` in a case below means none chosen."""
    data = {
        "weekday": "1",
        "start_time": "09:00",
        "end_time": "10:30",
        "room": room.pk if room else "",
        "terminal": terminal.pk if terminal else "",
        "capacity": "4",
        "valid_from": "2020-01-01",
        "valid_to": "",
    }
    data.update({k: str(v) for k, v in fields.items()})
    return data


def create(world, room=None, terminal=None, actor=None, **fields):
    values = {
        "weekday": 1,
        "start_time": dt.time(9),
        "end_time": dt.time(10, 30),
        "capacity": 4,
        "valid_from": dt.date(2020, 1, 1),
    }
    values.update(fields)
    return session_template_create(
        actor=actor or world.supervisor,
        facility=world.facility,
        room=room,
        terminal=terminal,
        **values,
    )


@pytest.fixture
def room(world):
    return factories.room(world.facility, name="Visit room A", capacity=6)


# --- who may see and change what ------------------------------------------------

VIEW_PAGES = ["schedules", "schedules_slots", "schedules_closures"]
EDIT_PAGES = [
    "schedules_template_new",
    "schedules_template_change",
    "schedules_template_retire",
    "schedules_slot_capacity",
    "schedules_slot_close",
    "schedules_close_date",
]


def page_url(world, name, slot):
    if name in {"schedules_template_change", "schedules_template_retire"}:
        return url(world, name, slot.template_id)
    if name in {"schedules_slot_capacity", "schedules_slot_close"}:
        return url(world, name, slot.pk)
    return url(world, name)


@pytest.mark.parametrize("name", VIEW_PAGES + EDIT_PAGES)
def test_seniors_get_every_page(world, console_as, name):
    slot = factories.slot(world.facility)
    for person in (world.supervisor, world.administrator):
        assert console_as(person).get(page_url(world, name, slot)).status_code == 200


@pytest.mark.parametrize("name", VIEW_PAGES)
def test_officers_can_view_the_schedules(world, console_as, name):
    slot = factories.slot(world.facility)
    page = console_as(world.officer).get(page_url(world, name, slot))
    assert page.status_code == 200
    # Nothing offers an officer a change.
    assert "/capacity/" not in page.text and "/retire/" not in page.text


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_officers_get_403_on_every_change(world, console_as, name):
    slot = factories.slot(world.facility)
    officer = console_as(world.officer)
    before = written()
    assert officer.get(page_url(world, name, slot)).status_code == 403
    assert officer.post(page_url(world, name, slot), {"reason": "x"}).status_code == 403
    assert written() == before


@pytest.mark.parametrize("name", VIEW_PAGES + EDIT_PAGES)
def test_families_and_other_prisons_get_404_and_anonymous_is_sent_to_sign_in(
    world, console_as, name
):
    slot = factories.slot(world.facility)
    target = page_url(world, name, slot)
    assert console_as(world.family.user).get(target).status_code == 404
    assert console_as(world.other_officer).get(target).status_code == 404
    response = Client().get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))


@pytest.mark.parametrize(
    "name",
    [
        "schedules_template_change",
        "schedules_template_retire",
        "schedules_slot_capacity",
        "schedules_slot_close",
    ],
)
def test_records_of_another_prison_are_404_even_to_a_supervisor(world, console_as, name):
    elsewhere = factories.slot(world.other_facility)
    supervisor = console_as(world.supervisor)
    target = page_url(world, name, elsewhere)  # this facility's URL, the other's id
    before = written()
    assert supervisor.get(target).status_code == 404
    assert supervisor.post(target, {"reason": "x", "capacity": "0"}).status_code == 404
    assert written() == before


# --- session templates ------------------------------------------------------------


def test_the_weekly_times_are_listed_by_weekday_with_retired_ones(world, console_as, room):
    level = factories.level(world.facility, name="Lenient")
    current = create(world, room=room)
    current.levels.set([level])
    create(
        world,
        terminal=factories.terminal(world.facility, name="Video 1"),
        weekday=3,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2020, 6, 30),
    )
    page = console_as(world.officer).get(url(world, "schedules"))
    text = page.text
    assert text.index("Tuesday") < text.index("Thursday")
    assert "09:00–10:30" in text and "Visit room A" in text and "Lenient" in text
    assert "Video 1" in text and "Retired" in text and "In use" in text


def test_the_weekly_times_page_does_a_fixed_number_of_queries(
    world, console_as, room, django_assert_max_num_queries
):
    supervisor = console_as(world.supervisor)
    create(world, room=room)
    with django_assert_max_num_queries(8):
        supervisor.get(url(world, "schedules"))
    for weekday in range(7):
        template = create(
            world,
            terminal=factories.terminal(world.facility),
            weekday=weekday,
            valid_to=dt.date(2020, 2, 1),
        )
        template.levels.set([factories.level(world.facility)])
    with django_assert_max_num_queries(8):
        assert supervisor.get(url(world, "schedules")).status_code == 200


def test_a_supervisor_adds_a_weekly_time_and_its_slots_open(world, console_as, room):
    level = factories.level(world.facility)
    data = template_form(room=room, levels=level.pk)
    response = console_as(world.supervisor).post(url(world, "schedules_template_new"), data)
    assert response.status_code == 302
    template = SessionTemplate.objects.get()
    assert (template.room, template.capacity, template.weekday) == (room, 4, 1)
    assert list(template.levels.all()) == [level]
    # From Wednesday 10 June 2026 over the 28-day window: the Tuesdays 16, 23, 30 June and 7 July.
    assert sorted(template.slots.values_list("date", flat=True)) == [
        dt.date(2026, 6, 16),
        dt.date(2026, 6, 23),
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 7),
    ]
    event = AuditEvent.objects.get(action="template.create")
    assert (event.actor, event.data["room"]) == (world.supervisor, room.pk)


BAD_TEMPLATES = [
    ({"end_time": "08:30"}, "A visiting time must end after it starts."),
    ({"end_time": "09:00"}, "A visiting time must end after it starts."),
    # A time may not run past midnight: a slot belongs to one local date.
    ({"start_time": "23:30", "end_time": "00:30"}, "A visiting time must end after it starts."),
    ({"no_room": True}, "Choose a room for in-person visits or a terminal for video visits"),
    ({"capacity": "0"}, "The capacity must be at least 1."),
    ({"capacity": "7"}, "Visit room A has 6 tables; the capacity cannot be more than that."),
    (
        {"valid_from": "2026-03-01", "valid_to": "2026-02-01"},
        "The last valid day cannot be before the first.",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_TEMPLATES)
def test_a_bad_template_is_refused_with_a_clear_message_and_nothing_written(
    world, console_as, room, change, message
):
    supervisor = console_as(world.supervisor)
    before = written()
    change = dict(change)
    if change.pop("no_room", False):
        room = None
    page = supervisor.post(url(world, "schedules_template_new"), template_form(room=room, **change))
    assert page.status_code == 200
    assert message in page.text
    assert written() == before


def test_room_and_terminal_together_are_refused(world, console_as, room):
    before = written()
    data = template_form(room=room, terminal=factories.terminal(world.facility))
    page = console_as(world.supervisor).post(url(world, "schedules_template_new"), data)
    assert "Choose a room for in-person visits or a terminal for video visits" in page.text
    assert written() == before


def test_overlapping_templates_on_one_room_are_refused_naming_the_clash(world, console_as, room):
    create(world, room=room, valid_to=dt.date(2099, 12, 31))
    before = written()
    page = console_as(world.supervisor).post(
        url(world, "schedules_template_new"),
        template_form(room=room, start_time="10:00", end_time="11:00", valid_from="2030-01-01"),
    )
    assert page.status_code == 200
    assert (
        "This overlaps another visiting time of Visit room A: Tuesday 09:00–10:30, valid from"
        in page.text
    )
    assert written() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"start_time": dt.time(8), "end_time": dt.time(12)},  # contains it
        {"start_time": dt.time(10), "end_time": dt.time(10, 15)},  # inside it
        {"valid_from": dt.date(2030, 1, 1)},  # open-ended against open-ended
    ],
)
def test_every_kind_of_overlap_on_a_terminal_is_refused(world, fields):
    terminal = factories.terminal(world.facility)
    create(world, terminal=terminal)
    before = written()
    with pytest.raises(ValidationError) as info:
        create(world, terminal=terminal, **fields)
    assert info.value.code == "overlap"
    assert written() == before


def test_times_that_only_touch_or_differ_in_place_or_dates_do_not_clash(world, room):
    create(world, room=room, valid_to=dt.date(2025, 12, 31))
    create(world, room=room, start_time=dt.time(10, 30), end_time=dt.time(11))  # right after
    create(world, room=room, valid_from=dt.date(2026, 1, 1))  # after the first one ends
    create(world, room=factories.room(world.facility))  # another room
    create(world, room=room, weekday=2)  # another day
    assert SessionTemplate.objects.count() == 5


def test_a_room_or_level_of_another_prison_is_refused(world):
    before = written()
    with pytest.raises(ValidationError) as info:
        create(world, room=factories.room(world.other_facility))
    assert info.value.code == "place_wrong_facility"
    with pytest.raises(ValidationError) as info:
        create(
            world,
            room=factories.room(world.facility),
            levels=[factories.level(world.other_facility)],
        )
    assert info.value.code == "levels"
    assert written()[:2] == before[:2]


def test_the_form_offers_only_rooms_of_this_prison(world, console_as):
    elsewhere = factories.room(world.other_facility, name="Kunlun room")
    supervisor = console_as(world.supervisor)
    assert "Kunlun room" not in supervisor.get(url(world, "schedules_template_new")).text
    before = written()
    page = supervisor.post(url(world, "schedules_template_new"), template_form(room=elsewhere))
    assert "Select a valid choice" in page.text
    assert written() == before


def test_officers_and_other_prisons_cannot_write_templates(world, room):
    for intruder in (world.officer, world.other_officer, world.family.user):
        with pytest.raises(PermissionDenied):
            create(world, room=room, actor=intruder)
    assert not SessionTemplate.objects.exists()


def test_a_change_applies_to_new_slots_and_is_audited(world, console_as, room):
    template = create(world, room=room, valid_from=world.facility.local_today())
    existing = set(template.slots.values_list("pk", "capacity"))
    data = template_form(room=room, capacity=2, valid_from=template.valid_from.isoformat())
    response = console_as(world.supervisor).post(
        url(world, "schedules_template_change", template.pk), data
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.capacity == 2
    assert set(template.slots.values_list("pk", "capacity")) == existing  # already open: kept
    event = AuditEvent.objects.get(action="template.change")
    assert (event.data["before"]["capacity"], event.data["after"]["capacity"]) == (4, 2)


def test_a_change_that_overlaps_is_refused_and_nothing_written(world, console_as, room):
    create(world, room=room)
    later = create(world, room=room, start_time=dt.time(14), end_time=dt.time(15))
    before = written()
    page = console_as(world.supervisor).post(
        url(world, "schedules_template_change", later.pk),
        template_form(room=room, start_time="10:00", end_time="15:00"),
    )
    assert "This overlaps another visiting time of Visit room A" in page.text
    later.refresh_from_db()
    assert later.start_time == dt.time(14)
    assert written() == before


def test_a_change_cannot_end_a_time_before_its_open_days(world, room):
    template = create(world, room=room, valid_from=world.facility.local_today())
    before = written()
    with pytest.raises(ValidationError) as info:
        session_template_change(
            actor=world.supervisor, template=template, valid_to=world.facility.local_today()
        )
    assert info.value.code == "validity_excludes_slots"
    assert written() == before


def test_a_change_keeps_a_room_no_longer_in_use_but_will_not_move_to_one(world, room):
    template = create(world, room=room)
    room.is_active = False
    room.save()
    session_template_change(actor=world.supervisor, template=template, capacity=3)
    idle = factories.room(world.facility, is_active=False)
    with pytest.raises(ValidationError) as info:
        session_template_change(actor=world.supervisor, template=template, room=idle)
    assert info.value.code == "place_not_in_use"


# --- retiring ---------------------------------------------------------------------


@pytest.fixture
def weekly(world, room):
    """A weekly time open now, with a booking in its third week and a closed empty day."""
    today = world.facility.local_today()
    template = create(world, room=room, weekday=today.weekday(), valid_from=today)
    slots = list(template.slots.order_by("date"))
    assert len(slots) >= 4
    booking = book(slots[2], prisoner=world.prisoner, visitor=world.family)
    return template, slots, booking


def test_retiring_shows_what_it_cancels_before_confirming(world, console_as, weekly):
    template, slots, booking = weekly
    last_day = slots[1].date
    before = written()
    page = console_as(world.supervisor).get(
        url(world, "schedules_template_retire", template.pk), {"last_day": last_day.isoformat()}
    )
    assert "1 booking will be cancelled." in page.text
    assert booking.reference in page.text
    assert written() == before


def test_retiring_keeps_history_and_cancels_later_bookings_explicitly(world, console_as, weekly):
    template, slots, booking = weekly
    last_day = slots[1].date
    retire_url = url(world, "schedules_template_retire", template.pk)
    response = console_as(world.supervisor).post(
        retire_url,
        {"last_day": last_day.isoformat(), "reason": "Room refit", "seen": booking.reference},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.valid_to == last_day
    # The template and the slots up to the last day remain; the booked slot is kept, closed.
    assert set(template.slots.values_list("pk", flat=True)) == {
        slots[0].pk,
        slots[1].pk,
        slots[2].pk,
    }
    assert Closure.objects.get(slot=slots[2]).reason == "Room refit"
    booking.refresh_from_db()
    assert (booking.status, booking.status_reason) == (BookingStatus.CANCELLED, "Room refit")
    assert Slot.objects.get(pk=slots[2].pk).booked_count == 0
    assert AllowanceUsage.objects.get(pk=booking.allowance_usage_id).used == 0
    assert Message.objects.filter(kind="cancelled_by_prison", booking=booking).count() == 1
    event = AuditEvent.objects.get(action="template.retire")
    assert event.data["slots_closed"] == [slots[2].pk]
    assert len(event.data["slots_deleted"]) == len(slots) - 3
    # Nothing is offered again when slots are generated next.
    from apps.facilities.services import slots_generate

    assert slots_generate(facility=world.facility) == 0


def test_retiring_over_bookings_needs_a_reason(world, console_as, weekly):
    template, slots, booking = weekly
    before = written()
    page = console_as(world.supervisor).post(
        url(world, "schedules_template_retire", template.pk),
        {"last_day": slots[1].date.isoformat(), "reason": " ", "seen": booking.reference},
    )
    assert "Bookings will be cancelled: write the reason the families will see." in page.text
    template.refresh_from_db()
    assert template.valid_to is None
    assert written() == before


def test_retiring_from_a_past_day_is_refused(world, console_as, weekly):
    template, _slots, _booking = weekly
    yesterday = world.facility.local_today() - dt.timedelta(days=1)
    page = console_as(world.supervisor).get(
        url(world, "schedules_template_retire", template.pk), {"last_day": yesterday.isoformat()}
    )
    assert "The last day cannot be in the past." in page.text
    before = written()
    with pytest.raises(ValidationError) as info:
        session_template_retire(
            actor=world.supervisor, template=template, last_day=yesterday, reason="x"
        )
    assert info.value.code == "last_day_past"
    assert written() == before


def test_a_stale_retirement_confirmation_is_shown_again(world, console_as, weekly):
    template, slots, booking = weekly
    page = console_as(world.supervisor).post(
        url(world, "schedules_template_retire", template.pk),
        {"last_day": slots[1].date.isoformat(), "reason": "Refit", "seen": ""},
    )
    assert "The bookings changed since you looked." in page.text
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED


# --- slots and capacity ---------------------------------------------------------


def test_the_coming_days_show_booked_and_capacity(world, console_as):
    slot = factories.slot(world.facility, capacity=3)
    book(slot, prisoner=world.prisoner, visitor=world.family)
    page = console_as(world.officer).get(url(world, "schedules_slots"))
    assert "1 / 3" in page.text
    assert "Asia/Shanghai" in page.text


def test_the_coming_days_can_be_filtered_by_date(world, console_as):
    first = factories.slot(world.facility, days_ahead=2, start=dt.time(8, 15))
    factories.slot(world.facility, days_ahead=5, start=dt.time(16, 45))
    page = console_as(world.officer).get(
        url(world, "schedules_slots"), {"date": first.date.isoformat()}
    )
    assert "08:15" in page.text and "16:45" not in page.text


def test_the_coming_days_do_a_fixed_number_of_queries(
    world, console_as, django_assert_max_num_queries
):
    supervisor = console_as(world.supervisor)
    factories.slot(world.facility)
    with django_assert_max_num_queries(8):
        supervisor.get(url(world, "schedules_slots"))
    for days in range(1, 10):
        slot = factories.slot(world.facility, days_ahead=days, video=days % 2 == 0)
        Closure.objects.create(facility=world.facility, slot=slot, reason="Drill")
    with django_assert_max_num_queries(8):
        assert "Drill" in supervisor.get(url(world, "schedules_slots")).text


@pytest.fixture
def full_slot(world):
    """A slot of capacity 4 booked by four families, oldest booking first."""
    slot = factories.slot(world.facility, capacity=4)
    bookings = [book(slot, prisoner=world.prisoner, visitor=world.family)]
    bookings += [book(slot) for _ in range(3)]
    return slot, bookings


def test_a_capacity_cut_cancels_exactly_the_excess_newest_first(world, full_slot):
    slot, bookings = full_slot
    slot_capacity_set(actor=world.supervisor, slot=slot, capacity=2, reason="Two tables broken")
    statuses = [Booking.objects.get(pk=b.pk).status for b in bookings]
    assert statuses == ["booked", "booked", "cancelled", "cancelled"]
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked_count) == (2, 2)
    for booking in bookings[2:]:
        assert AllowanceUsage.objects.get(pk=booking.allowance_usage_id).used == 0
        assert Message.objects.filter(booking=booking, kind="cancelled_by_prison").count() == 1
        assert Booking.objects.get(pk=booking.pk).status_reason == "Two tables broken"
    event = AuditEvent.objects.get(action="slot.capacity")
    assert event.data["cancelled"] == [bookings[3].reference, bookings[2].reference]
    assert (event.data["before"], event.data["after"]) == (4, 2)


def test_a_capacity_cut_is_confirmed_on_the_page_first(world, console_as, full_slot):
    slot, bookings = full_slot
    supervisor = console_as(world.supervisor)
    target = url(world, "schedules_slot_capacity", slot.pk)
    before = written()
    page = supervisor.post(target, {"capacity": "3", "reason": "Table broken"})
    assert "This cut cancels 1 booking:" in page.text
    assert bookings[3].reference in page.text and bookings[2].reference not in page.text
    assert written() == before
    response = supervisor.post(
        target, {"capacity": "3", "reason": "Table broken", "confirmed": bookings[3].reference}
    )
    assert response.status_code == 302
    assert Booking.objects.get(pk=bookings[3].pk).status == BookingStatus.CANCELLED
    assert Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count() == 3


def test_raising_the_capacity_needs_no_confirmation(world, console_as, full_slot):
    slot, _bookings = full_slot
    response = console_as(world.supervisor).post(
        url(world, "schedules_slot_capacity", slot.pk), {"capacity": "5", "reason": "More staff"}
    )
    assert response.status_code == 302
    assert Slot.objects.get(pk=slot.pk).capacity == 5


@pytest.mark.parametrize(
    ("capacity", "reason", "message"),
    [
        ("-1", "x", "The capacity cannot be below 0."),
        ("11", "x", "has 10 tables; the capacity cannot be more than that."),
        ("2", "", "This field is required."),
    ],
)
def test_a_bad_capacity_is_refused_and_nothing_written(
    world, console_as, full_slot, capacity, reason, message
):
    slot, _bookings = full_slot
    before = written()
    page = console_as(world.supervisor).post(
        url(world, "schedules_slot_capacity", slot.pk),
        {"capacity": capacity, "reason": reason, "confirmed": "anything"},
    )
    assert message in page.text
    assert Slot.objects.get(pk=slot.pk).capacity == 4
    assert written() == before


def test_the_capacity_service_refuses_what_it_cannot_honour(world, full_slot):
    slot, bookings = full_slot
    before = written()
    with pytest.raises(ValidationError) as info:
        slot_capacity_set(actor=world.supervisor, slot=slot, capacity=1, reason="  ")
    assert info.value.code == "reason_required"
    with pytest.raises(PermissionDenied):
        slot_capacity_set(actor=world.officer, slot=slot, capacity=1, reason="x")
    # Visitors already checked in cannot be cancelled, so the cut cannot pass them.
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(status=BookingStatus.CHECKED_IN)
    with pytest.raises(ValidationError) as info:
        slot_capacity_set(actor=world.supervisor, slot=slot, capacity=3, reason="x")
    assert info.value.code == "capacity_below_checked_in"
    assert Slot.objects.get(pk=slot.pk).capacity == 4
    assert written() == before


# --- closures ---------------------------------------------------------------------


@pytest.fixture
def day_with_two_families(world):
    slot = factories.slot(world.facility, days_ahead=4)
    other_time = factories.slot(world.facility, days_ahead=4, start=dt.time(14), video=True)
    return slot.date, [
        book(slot, prisoner=world.prisoner, visitor=world.family),
        book(other_time),
    ]


def test_closing_a_date_shows_the_bookings_it_cancels_before_confirming(
    world, console_as, day_with_two_families
):
    day, bookings = day_with_two_families
    before = written()
    page = console_as(world.supervisor).get(
        url(world, "schedules_close_date"), {"date": day.isoformat()}
    )
    assert "2 bookings will be cancelled." in page.text
    assert all(b.reference in page.text for b in bookings)
    assert written() == before


def test_a_closure_cancels_the_bookings_returns_allowances_and_tells_each_family(
    world, console_as, day_with_two_families
):
    day, bookings = day_with_two_families
    seen = ",".join(sorted(b.reference for b in bookings))
    response = console_as(world.supervisor).post(
        f"{url(world, 'schedules_close_date')}?date={day.isoformat()}",
        {"reason": "Lockdown", "seen": seen},
    )
    assert response.status_code == 302
    closure = Closure.objects.get(date=day)
    assert (closure.reason, closure.created_by) == ("Lockdown", world.supervisor)
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert Slot.objects.get(pk=booking.slot_id).booked_count == 0
        assert AllowanceUsage.objects.get(pk=booking.allowance_usage_id).used == 0
    messages = Message.objects.filter(kind="cancelled_by_prison")
    assert sorted(m.booking_id for m in messages) == sorted(b.pk for b in bookings)
    assert {m.params["reason"] for m in messages} == {"Lockdown"}
    listing = console_as(world.officer).get(url(world, "schedules_closures"))
    assert "Lockdown" in listing.text


def test_closing_one_time_cancels_only_its_bookings(world, console_as, day_with_two_families):
    _day, (in_person, video) = day_with_two_families
    target = url(world, "schedules_slot_close", in_person.slot_id)
    supervisor = console_as(world.supervisor)
    assert "1 booking will be cancelled." in supervisor.get(target).text
    supervisor.post(target, {"reason": "Room flooded", "seen": in_person.reference})
    assert Closure.objects.get().slot_id == in_person.slot_id
    assert Booking.objects.get(pk=in_person.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=video.pk).status == BookingStatus.BOOKED
    assert Message.objects.filter(kind="cancelled_by_prison").count() == 1


def test_a_closure_needs_a_reason(world, console_as, day_with_two_families):
    day, bookings = day_with_two_families
    before = written()
    page = console_as(world.supervisor).post(
        f"{url(world, 'schedules_close_date')}?date={day.isoformat()}",
        {"reason": "", "seen": ",".join(sorted(b.reference for b in bookings))},
    )
    assert "This field is required." in page.text
    page = console_as(world.supervisor).post(
        f"{url(world, 'schedules_close_date')}?date={day.isoformat()}",
        {"reason": "   ", "seen": ",".join(sorted(b.reference for b in bookings))},
    )
    assert page.status_code == 200
    assert written() == before


def test_a_past_date_cannot_be_closed(world, console_as):
    yesterday = world.facility.local_today() - dt.timedelta(days=1)
    past_slot = factories.slot(world.facility, days_ahead=-1)
    supervisor = console_as(world.supervisor)
    before = written()
    page = supervisor.get(url(world, "schedules_close_date"), {"date": yesterday.isoformat()})
    assert "A date in the past cannot be closed." in page.text
    page = supervisor.post(
        f"{url(world, 'schedules_close_date')}?date={yesterday.isoformat()}", {"reason": "x"}
    )
    assert "A date in the past cannot be closed." in page.text
    page = supervisor.post(url(world, "schedules_slot_close", past_slot.pk), {"reason": "x"})
    assert "A date in the past cannot be closed." in page.text
    assert written() == before


def test_bookings_made_after_the_confirmation_was_shown_are_shown_again(
    world, console_as, day_with_two_families
):
    day, bookings = day_with_two_families
    page = console_as(world.supervisor).post(
        f"{url(world, 'schedules_close_date')}?date={day.isoformat()}",
        {"reason": "Lockdown", "seen": bookings[0].reference},  # one was booked since
    )
    assert "The bookings changed since you looked." in page.text
    assert not Closure.objects.exists()


def test_a_date_already_closed_is_not_closed_twice(world, console_as):
    day = factories.slot(world.facility).date
    Closure.objects.create(facility=world.facility, date=day, reason="Spring festival")
    target = f"{url(world, 'schedules_close_date')}?date={day.isoformat()}"
    page = console_as(world.supervisor).get(target)
    assert "This is already closed: Spring festival" in page.text
    console_as(world.supervisor).post(target, {"reason": "Again", "seen": ""})
    assert Closure.objects.count() == 1


def test_the_closures_page_lists_upcoming_ones_in_a_fixed_number_of_queries(
    world, console_as, django_assert_max_num_queries
):
    officer = console_as(world.officer)
    today = world.facility.local_today()
    Closure.objects.create(
        facility=world.facility, date=today - dt.timedelta(days=2), reason="Long gone"
    )
    with django_assert_max_num_queries(7):
        officer.get(url(world, "schedules_closures"))
    for days in range(1, 6):
        Closure.objects.create(
            facility=world.facility, date=today + dt.timedelta(days=days), reason=f"Drill {days}"
        )
        slot = factories.slot(world.facility, days_ahead=days + 10)
        Closure.objects.create(
            facility=world.facility, slot=slot, reason=f"Repair {days}", created_by=world.officer
        )
    with django_assert_max_num_queries(7):
        page = officer.get(url(world, "schedules_closures"))
    assert "Drill 5" in page.text and "Repair 5" in page.text and "Long gone" not in page.text


def test_pages_render_in_chinese_and_uyghur(world, console_as):
    factories.slot(world.facility)
    supervisor = console_as(world.supervisor)
    for language, direction in (("zh-hans", 'dir="ltr"'), ("ug", 'dir="rtl"')):
        for name in VIEW_PAGES:
            page = supervisor.get(url(world, name), headers={"accept-language": language})
            assert page.status_code == 200
            assert direction in page.text
