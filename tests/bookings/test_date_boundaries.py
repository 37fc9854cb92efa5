"""Every rule that reads the date, at the edges that break it, in the facility's own zone.

Asia/Shanghai is UTC+8 (23:59 local is 15:59 UTC; 07:00 local is 23:00 UTC the day
before) and Asia/Urumqi UTC+6: a rule evaluated in UTC or in the server's zone
(Asia/Shanghai) where the facility's local date is meant fails one of these.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.allocation.selectors import recent_visits
from apps.bookings.models import AllowanceUsage, Booking
from apps.bookings.services import booking_cancel
from apps.calls.models import Recording
from apps.calls.selectors import call_is_due, call_state, live_calls
from apps.calls.services import call_open
from apps.calls.services.recordings import recordings_delete_expired
from apps.calls.services.settlement import call_end_if_due
from apps.facilities.selectors import upcoming_days
from apps.notifications.models import Message
from apps.people.models import Contact, Prisoner, Restriction
from apps.people.services import contact_request, restriction_create
from apps.people.services.contacts import contacts_decline_unanswered
from apps.policy.kinds import Stage
from apps.policy.models import StageRule
from apps.policy.selectors import allowance_on, stage_on
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.services import waitlist_accept, waitlist_offer_seats, waitlist_release_lapsed
from apps.worker.jobs import reminders_queue
from tests import factories
from tests.calls_support import video_booking
from tests.clock import at

URUMQI = "Asia/Urumqi"


book = factories.family_booking


def world_call(world, starts_in: dt.timedelta):
    """A video visit of the world's family starting ``starts_in`` from the clock's now."""
    return call_open(
        video_booking(
            facility=world.facility,
            prisoner=world.prisoner,
            visitor=world.family,
            starts_in=starts_in,
        )
    )


def refused(code, call) -> None:
    bookings = Booking.objects.count()
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.code == code
    assert Booking.objects.count() == bookings


def slot_at(facility, when: str, minutes: int = 45, **options):
    """A slot starting at a local date and time of the facility."""
    start = dt.datetime.fromisoformat(when)
    return factories.slot(facility, on=start.date(), start=start.time(), minutes=minutes, **options)


@pytest.fixture
def one_a_month(world):
    """The world's prisoner at a level of one in-person visit a month."""
    level = factories.level(world.facility, in_person_per_month=1)
    Prisoner.objects.filter(pk=world.prisoner.pk).update(level=level)
    world.facility.minimum_visits_per_month = 1
    world.prisoner.refresh_from_db()
    return world


@pytest.fixture
def urumqi(db):
    """A prison at UTC+6, whose day ends two hours after the server's."""
    facility = factories.facility(code="urumqi", time_zone=URUMQI, min_notice_days=2)
    prisoner = factories.prisoner(facility)
    family = factories.visitor(full_name="Dilnur Ablet")
    factories.contact(family, prisoner)
    return facility, prisoner, family


# Allowances ----------------------------------------------------------------------------------


def test_a_visit_early_on_the_first_counts_in_its_local_month_not_utcs(one_a_month, clock):
    world = one_a_month
    clock.move_to("2027-01-20 10:00")
    book(world.family, world.prisoner, slot_at(world.facility, "2027-01-31 09:00"))
    # 07:00 on 1 February in Shanghai is 23:00 on 31 January in UTC: February's visit.
    february = book(world.family, world.prisoner, slot_at(world.facility, "2027-02-01 07:00"))
    assert february.allowance_usage.period_start == dt.date(2027, 2, 1)
    later = slot_at(world.facility, "2027-02-15 09:00")
    refused("allowance_used", lambda: book(world.family, world.prisoner, later))


def test_the_year_turns_at_local_midnight(one_a_month, clock):
    world = one_a_month
    clock.move_to("2026-12-20 10:00")
    december = book(world.family, world.prisoner, slot_at(world.facility, "2026-12-31 16:00"))
    january = book(world.family, world.prisoner, slot_at(world.facility, "2027-01-01 07:00"))
    assert (december.allowance_usage.period_start, january.allowance_usage.period_start) == (
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    )


@pytest.mark.parametrize(
    ("last_of_february", "first_of_march"),
    [("2028-02-29 09:00", "2028-03-01 09:00"), ("2027-02-28 09:00", "2027-03-01 09:00")],
    ids=["leap year", "common year"],
)
def test_the_last_of_february_counts_in_february(
    one_a_month, clock, last_of_february, first_of_march
):
    world = one_a_month
    clock.move_to(last_of_february[:8] + "20 10:00")
    end = book(world.family, world.prisoner, slot_at(world.facility, last_of_february))
    march = book(world.family, world.prisoner, slot_at(world.facility, first_of_march))
    assert (
        end.allowance_usage.period_start.month == 2
        and march.allowance_usage.period_start.month == 3
    )
    earlier = slot_at(world.facility, last_of_february[:8] + "25 09:00")
    refused("allowance_used", lambda: book(world.family, world.prisoner, earlier))


def test_a_visit_booked_in_one_month_for_the_next_counts_in_the_visits_month(one_a_month, clock):
    world = one_a_month
    clock.move_to("2027-01-25 10:00")
    book(world.family, world.prisoner, slot_at(world.facility, "2027-01-28 09:00"))
    clock.move_to("2027-01-31 23:59")  # still January where the prison is
    february = book(world.family, world.prisoner, slot_at(world.facility, "2027-02-02 09:00"))
    assert february.allowance_usage.period_start == dt.date(2027, 2, 1)
    usage = dict(AllowanceUsage.objects.values_list("period_start", "used"))
    assert usage == {dt.date(2027, 1, 1): 1, dt.date(2027, 2, 1): 1}


@pytest.mark.parametrize(
    ("when", "month"),
    [("2027-01-31 23:59", dt.date(2027, 1, 1)), ("2027-02-01 00:00", dt.date(2027, 2, 1))],
    ids=["last minute of January", "first minute of February"],
)
def test_the_prisoners_page_shows_the_month_of_the_prisons_clock(
    world, console_as, clock, when, month
):
    clock.move_to(when)  # 15:59 and 16:00 UTC on 31 January
    response = console_as(world.officer).get(
        reverse("console:prisoner", args=[world.facility.code, world.prisoner.pk])
    )
    assert dict(response.context["allowances"])["In-person visit"].allowance.start == month


def test_a_remand_week_starts_on_monday_at_local_midnight(world, clock):
    clock.move_to("2027-01-01 10:00")  # a Friday
    Prisoner.objects.filter(pk=world.prisoner.pk).update(legal_status=Prisoner.LegalStatus.REMAND)
    world.facility.remand_in_person_per_week = 1
    world.facility.save(update_fields=["remand_in_person_per_week"])
    sunday = book(world.family, world.prisoner, slot_at(world.facility, "2027-01-03 09:00"))
    # 07:00 on Monday in Shanghai is still Sunday in UTC: the new week's visit.
    monday = book(world.family, world.prisoner, slot_at(world.facility, "2027-01-04 07:00"))
    assert (sunday.allowance_usage.period_start, monday.allowance_usage.period_start) == (
        dt.date(2026, 12, 28),
        dt.date(2027, 1, 4),
    )
    tuesday = slot_at(world.facility, "2027-01-05 09:00")
    refused("allowance_used", lambda: book(world.family, world.prisoner, tuesday))


# Stage of sentence ---------------------------------------------------------------------------


def test_the_entry_stage_ends_on_the_day_its_months_are_up(world):
    StageRule.objects.create(facility=world.facility, stage=Stage.ENTRY, months=3, extra_video=1)
    prisoner = factories.prisoner(world.facility, sentence_start=dt.date(2026, 3, 10))
    assert stage_on(prisoner, dt.date(2026, 6, 9)) == Stage.ENTRY
    assert stage_on(prisoner, dt.date(2026, 6, 10)) == Stage.MIDDLE
    video = prisoner.level.video_per_month
    assert allowance_on(prisoner, "video", dt.date(2026, 6, 9)).limit == video + 1
    assert allowance_on(prisoner, "video", dt.date(2026, 6, 10)).limit == video


def test_the_pre_release_stage_starts_on_its_first_day(world):
    StageRule.objects.create(
        facility=world.facility, stage=Stage.PRE_RELEASE, months=6, extra_in_person=1
    )
    prisoner = factories.prisoner(world.facility, sentence_end=dt.date(2027, 6, 10))
    assert stage_on(prisoner, dt.date(2026, 12, 9)) == Stage.MIDDLE
    assert stage_on(prisoner, dt.date(2026, 12, 10)) == Stage.PRE_RELEASE


# The booking window --------------------------------------------------------------------------


def test_the_minimum_notice_runs_out_at_the_prisons_midnight(urumqi, clock):
    facility, prisoner, family = urumqi  # two days' notice
    clock.move_to("2026-06-10 23:59:59", URUMQI)
    assert book(family, prisoner, slot_at(facility, "2026-06-12 09:00"))
    clock.move_to("2026-06-11 00:00", URUMQI)  # 18:00 UTC, 02:00 in Shanghai
    late = slot_at(facility, "2026-06-12 11:00")
    refused("too_soon", lambda: book(family, prisoner, late))


def test_the_furthest_day_opens_at_the_prisons_midnight(urumqi, clock):
    facility, prisoner, family = urumqi  # 28 days ahead at most
    far = slot_at(facility, "2026-07-09 09:00")
    clock.move_to("2026-06-10 23:59:59", URUMQI)
    refused("too_far", lambda: book(family, prisoner, far))
    clock.move_to("2026-06-11 00:00", URUMQI)
    assert book(family, prisoner, far)


def test_a_time_can_be_booked_until_the_minute_it_starts(world, clock):
    slot = slot_at(world.facility, "2026-06-10 14:00")  # no notice needed here
    clock.move_to("2026-06-10 14:00")
    refused("slot_past", lambda: book(world.family, world.prisoner, slot))
    clock.move_to("2026-06-10 13:59:59")
    assert book(world.family, world.prisoner, slot)


def test_the_portal_offers_no_time_that_has_passed_today(world, clock):
    slot_at(world.facility, "2026-06-10 13:00")
    later = slot_at(world.facility, "2026-06-10 15:00")
    clock.move_to("2026-06-10 14:00")
    today = upcoming_days(world.facility)[0]
    assert today.date == dt.date(2026, 6, 10)
    assert [time.starts_at for time in today.times] == [later.starts_at]


def test_the_api_week_starts_on_the_prisons_today(urumqi, api, api_token, clock):
    facility, _prisoner, _family = urumqi
    facility.min_notice_days = 0
    facility.save(update_fields=["min_notice_days"])
    late = slot_at(facility, "2026-06-10 23:30", minutes=20)
    clock.move_to("2026-06-10 23:00", URUMQI)  # already 11 June in Shanghai
    response = api.get(f"/facilities/{facility.code}/slots", token=api_token(facility=facility))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [late.pk]


def test_the_api_lists_only_slots_that_can_still_be_booked(urumqi, api, api_token, clock):
    facility, _prisoner, _family = urumqi  # two days' notice
    slot_at(facility, "2026-06-10 09:00")  # started
    slot_at(facility, "2026-06-11 09:00")  # inside the notice
    open_ = slot_at(facility, "2026-06-12 09:00")
    clock.move_to("2026-06-10 10:00", URUMQI)
    response = api.get(f"/facilities/{facility.code}/slots", token=api_token(facility=facility))
    assert [row["id"] for row in response.json()["items"]] == [open_.pk]
    clock.move_to("2026-06-11 00:00", URUMQI)  # the 12th's notice has run out
    response = api.get(f"/facilities/{facility.code}/slots", token=api_token(facility=facility))
    assert response.json()["items"] == []


# Cancellation --------------------------------------------------------------------------------


def test_a_family_may_cancel_until_the_visit_starts(world, clock):
    nine = book(world.family, world.prisoner, slot_at(world.facility, "2026-06-12 09:00"))
    eleven = book(world.family, world.prisoner, slot_at(world.facility, "2026-06-13 11:00"))
    clock.move_to("2026-06-12 09:00")
    with pytest.raises(ValidationError) as info:
        booking_cancel(actor=world.family.user, booking=nine)
    assert info.value.code == "started"
    clock.move_to("2026-06-13 10:59:59")
    assert booking_cancel(actor=world.family.user, booking=eleven).status == "cancelled"


# Video visits --------------------------------------------------------------------------------


def test_the_join_page_opens_its_minutes_before_the_start(world, clock):
    clock.move_to("2026-06-10 09:00")
    call = world_call(world, dt.timedelta(hours=1))
    assert call.opens_at == at("2026-06-10 09:50")  # ten minutes before (the default)
    assert call_state(call, at("2026-06-10 09:49:59")) == "scheduled"
    assert call_state(call, at("2026-06-10 09:50")) == "open"
    assert call_state(call, at("2026-06-10 10:00")) == "live"


def test_the_call_is_due_to_end_at_its_end_time_exactly(world, clock):
    clock.move_to("2026-06-10 10:00")
    call = world_call(world, dt.timedelta(0))
    assert call.ends_at == at("2026-06-10 10:30")
    assert not call_is_due(call, now=at("2026-06-10 10:29:59.999999"))
    assert call_is_due(call, now=at("2026-06-10 10:30"))
    clock.move_to("2026-06-10 10:29:59")
    assert call_end_if_due(call.pk).ended_at is None
    clock.move_to("2026-06-10 10:30")
    assert call_end_if_due(call.pk).ended_at == at("2026-06-10 10:30")


def test_a_call_just_after_midnight_is_live_from_before_midnight(world, clock):
    clock.move_to("2026-06-10 23:56")
    booking = video_booking(
        facility=world.facility,
        prisoner=world.prisoner,
        visitor=world.family,
        starts_in=dt.timedelta(minutes=9),  # 00:05 on 11 June; open from 23:55
    )
    call_open(booking)
    assert [call.booking_id for call in live_calls(world.facility)] == [booking.pk]


def test_a_recording_is_kept_for_the_retention_period_from_the_real_end(world, clock):
    clock.move_to("2026-06-10 10:00")
    call = world_call(world, dt.timedelta(0))
    recording = Recording.objects.create(call=call, expires_at=call.ends_at)
    clock.move_to("2026-06-10 10:30")
    call_end_if_due(call.pk)
    recording.refresh_from_db()
    assert recording.expires_at == at("2026-07-10 10:30")  # 30 days from the end
    clock.move_to("2026-07-10 10:29:59")
    assert recordings_delete_expired() == 0
    clock.move_to("2026-07-10 10:30")
    recordings_delete_expired()
    recording.refresh_from_db()
    assert recording.deleted_at == at("2026-07-10 10:30")


# Reminders -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "early", "due"),
    [
        (Message.Kind.REMINDER_DAY_BEFORE, "2026-06-12 08:59:59", "2026-06-12 09:00"),
        (Message.Kind.REMINDER_SOON, "2026-06-13 07:59:59", "2026-06-13 08:00"),
    ],
    ids=["a day before", "an hour before"],
)
def test_a_reminder_is_queued_when_its_window_opens(world, clock, kind, early, due):
    booking = book(world.family, world.prisoner, slot_at(world.facility, "2026-06-13 09:00"))
    reminders = Message.objects.filter(booking=booking, kind=kind)
    clock.move_to(early)
    reminders_queue()
    assert not reminders.exists()
    clock.move_to(due)
    reminders_queue()
    assert reminders.count() == 1


# Waitlist ------------------------------------------------------------------------------------


def _offered(world, slot) -> WaitlistEntry:
    """A family of its own waiting for ``slot``'s date, offered the seat ``slot``'s family frees."""
    from apps.waitlist.services import waitlist_join

    other = factories.prisoner(world.facility)
    factories.contact(world.other_family, other)
    taken = book(world.other_family, other, slot)
    waiting = factories.prisoner(world.facility)
    factories.contact(world.family, waiting)
    entry = waitlist_join(
        actor=world.family.user,
        visitor=world.family,
        prisoner=waiting,
        day=slot.date,
        kind="in_person",
    )
    booking_cancel(actor=taken.created_by, booking=taken)
    waitlist_offer_seats()
    entry.refresh_from_db()
    return entry


def test_a_held_seat_lapses_at_its_hold_time(world, clock):
    slot = slot_at(world.facility, "2026-06-15 09:00", capacity=1)
    clock.move_to("2026-06-10 10:00")
    entry = _offered(world, slot)
    assert entry.hold_until == at("2026-06-10 12:00")  # two hours
    clock.move_to("2026-06-10 11:59:59")
    assert waitlist_release_lapsed() == 0
    clock.move_to("2026-06-10 12:00")
    with pytest.raises(ValidationError):
        waitlist_accept(actor=world.family.user, entry=entry)
    assert waitlist_release_lapsed() == 1


def test_a_seat_is_never_held_past_the_last_moment_it_can_be_booked(world, clock):
    world.facility.min_notice_days = 1
    world.facility.save(update_fields=["min_notice_days"])
    slot = slot_at(world.facility, "2026-06-15 09:00", capacity=1)
    clock.move_to("2026-06-14 23:30")
    entry = _offered(world, slot)
    # One day's notice: bookable until the end of 14 June, not for two hours from 23:30.
    assert entry.hold_until == at("2026-06-15 00:00")
    clock.move_to("2026-06-14 23:59")
    assert waitlist_accept(actor=world.family.user, entry=entry).slot_id == slot.pk


# Contacts and restrictions -------------------------------------------------------------------


def test_an_unanswered_contact_request_is_declined_after_its_deadline(world, clock):
    clock.move_to("2026-06-10 10:00")
    request = contact_request(
        actor=world.other_family.user,
        visitor=world.other_family,
        prisoner=world.prisoner,
        relationship="sibling",
    )
    clock.move_to("2026-06-24 10:00")  # fourteen days: still waiting for an answer
    assert contacts_decline_unanswered() == 0
    clock.move_to("2026-06-24 10:00:01")
    assert contacts_decline_unanswered() == 1
    request.refresh_from_db()
    assert request.status == Contact.Status.REJECTED


def _ban_from_the_20th(world) -> Restriction:
    return restriction_create(
        actor=world.supervisor,
        facility_id=world.facility.pk,
        kind=Restriction.Kind.BAN,
        starts_at=at("2026-06-20 00:00"),
        ends_at=at("2026-07-20 00:00"),
        reason="Passed a phone across the table",
        visitor=world.family,
    )


def test_a_ban_counts_family_who_are_adults_on_its_first_day(world):
    sibling = factories.visitor(born=dt.date(2008, 6, 20))  # 18 on 20 June 2026
    factories.contact(sibling, world.prisoner, relationship="sibling")
    assert _ban_from_the_20th(world).kind == Restriction.Kind.BAN


def test_a_ban_does_not_count_family_a_day_short_of_adult(world):
    sibling = factories.visitor(born=dt.date(2008, 6, 21))
    factories.contact(sibling, world.prisoner, relationship="sibling")
    with pytest.raises(ValidationError) as info:
        _ban_from_the_20th(world)
    assert info.value.code == "below_minimum"
    assert not Restriction.objects.exists()


# Allocation ----------------------------------------------------------------------------------


def test_recent_visits_are_counted_by_the_prisons_date(urumqi, clock):
    facility, prisoner, family = urumqi
    clock.move_to("2026-02-25 10:00", URUMQI)
    # 23:30 on 2 March in Urumqi is already 3 March in Shanghai, the server's zone.
    book(family, prisoner, slot_at(facility, "2026-03-02 23:30", minutes=20))
    book(family, prisoner, slot_at(facility, "2026-03-03 09:00"))
    # The 90 days before 1 June 2026 begin on 3 March.
    assert recent_visits({prisoner.pk}, before=dt.date(2026, 6, 1), zone=facility.zone) == {
        prisoner.pk: 1
    }


# A cut-off time -------------------------------------------------------------------------------


@pytest.fixture
def closes_at_five(urumqi):
    facility, prisoner, family = urumqi
    facility.min_notice_days = 1
    facility.booking_closes_at = dt.time(17, 0)
    facility.save(update_fields=["min_notice_days", "booking_closes_at"])
    return facility, prisoner, family


def test_booking_closes_at_the_cut_off_the_day_before(closes_at_five, clock):
    facility, prisoner, family = closes_at_five
    early = slot_at(
        facility, "2026-06-12 00:00", minutes=30
    )  # midnight: no longer bookable at 23:59
    clock.move_to("2026-06-11 16:59:59", URUMQI)
    assert book(family, prisoner, early)
    later = slot_at(facility, "2026-06-12 09:00")
    clock.move_to("2026-06-11 17:00", URUMQI)
    with pytest.raises(ValidationError) as info:
        book(family, prisoner, later)
    assert info.value.code == "too_soon"
    assert "17:00, 1 day before" in str(info.value.messages[0])


def test_the_portal_offers_the_day_after_once_the_cut_off_has_passed(closes_at_five, clock):
    facility, _prisoner, _family = closes_at_five
    slot_at(facility, "2026-06-12 09:00")
    thirteenth = slot_at(facility, "2026-06-13 09:00")
    clock.move_to("2026-06-11 16:59", URUMQI)
    assert [day.date for day in upcoming_days(facility)] == [
        dt.date(2026, 6, 12),
        dt.date(2026, 6, 13),
    ]
    clock.move_to("2026-06-11 17:00", URUMQI)
    days = upcoming_days(facility)
    assert [day.date for day in days] == [dt.date(2026, 6, 13)]
    assert days[0].times[0].starts_at == thirteenth.starts_at
