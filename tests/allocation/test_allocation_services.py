"""Request windows end to end through the services: requests, refusals, preview, publish."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.allocation import solver
from apps.allocation.models import AllocationRequest, AllocationRun, RequestWindow
from apps.allocation.services import (
    booking_mode_set,
    request_submit,
    request_withdraw,
    run_preview,
    run_publish,
    window_close,
    window_open,
)
from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_create
from apps.facilities.models import Closure, Facility, Slot
from apps.notifications.models import Message
from apps.people.services import party_consent_give, party_consent_withdraw
from tests import factories


@pytest.fixture
def setup(world):
    """The facility in request mode with two in-person times and one video time, and a window."""
    booking_mode_set(
        actor=world.supervisor, facility=world.facility, mode=Facility.BookingMode.REQUESTS
    )
    room = factories.room(world.facility)
    morning = factories.slot(world.facility, days_ahead=3, capacity=1, room=room)
    afternoon = factories.slot(
        world.facility, days_ahead=3, start=dt.time(14, 0), capacity=1, room=room
    )
    video = factories.slot(world.facility, days_ahead=3, start=dt.time(11, 0), video=True)
    today = world.facility.local_today()
    window = window_open(
        actor=world.supervisor,
        facility=world.facility,
        kind="in_person",
        first_day=today,
        last_day=today + dt.timedelta(days=7),
    )
    return window, morning, afternoon, video


def ask(world, window, slots, visitor=None, prisoner=None):
    visitor = visitor or world.family
    return request_submit(
        actor=visitor.user,
        window_id=window.pk,
        prisoner_id=(prisoner or world.prisoner).pk,
        slot_ids=[s.pk for s in slots],
        visitor_ids=[visitor.pk],
    )


def second_family(world, prisoner=None):
    prisoner = prisoner or factories.prisoner(world.facility)
    visitor = factories.visitor()
    factories.contact(visitor, prisoner)
    return visitor, prisoner


def test_a_window_covers_the_future_times_of_its_kind(setup):
    window, morning, afternoon, _video = setup
    assert set(window.slots.all()) == {morning, afternoon}


def test_a_window_needs_request_mode_and_a_senior_role(world):
    today = world.facility.local_today()
    factories.slot(world.facility, days_ahead=2)
    with pytest.raises(ValidationError) as refused:
        window_open(
            actor=world.supervisor,
            facility=world.facility,
            kind="in_person",
            first_day=today,
            last_day=today + dt.timedelta(days=5),
        )
    assert refused.value.code == "mode_first_come"
    with pytest.raises(PermissionDenied):
        booking_mode_set(actor=world.officer, facility=world.facility, mode="requests")
    assert RequestWindow.objects.count() == 0


def test_a_family_ranks_times_and_nothing_is_booked(setup, world):
    window, morning, afternoon, _video = setup
    request = ask(world, window, [afternoon, morning])
    assert [c.slot for c in request.choices.order_by("rank")] == [afternoon, morning]
    assert Booking.objects.count() == 0
    assert Slot.objects.get(pk=morning.pk).booked_count == 0


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("other_facility", "other_facility"),
        ("video", "kind_mismatch"),
        ("too_many", "too_many_choices"),
        ("duplicate", "duplicate_choice"),
        ("none", "no_choice"),
        ("outside", "not_in_window"),
        ("closed", "window_closed"),
        ("twice", "already_requested"),
    ],
)
def test_bad_requests_are_refused_with_a_reason_and_write_nothing(setup, world, case, code):
    window, morning, afternoon, video = setup
    extra = factories.slot(world.facility, days_ahead=3, start=dt.time(16, 0))
    slots = {
        "other_facility": [factories.slot(world.other_facility, days_ahead=3)],
        "video": [morning, video],
        "too_many": [morning, afternoon, extra, morning],
        "duplicate": [morning, morning],
        "none": [],
        "outside": [factories.slot(world.facility, days_ahead=20)],
        "closed": [morning],
        "twice": [morning],
    }[case]
    if case == "closed":
        window_close(actor=world.supervisor, window=window)
    if case == "twice":
        ask(world, window, [afternoon])
    before = (AllocationRequest.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        ask(world, window, slots)
    assert refused.value.code == code
    assert refused.value.messages[0]
    assert (AllocationRequest.objects.count(), AuditEvent.objects.count()) == before


def test_a_family_cannot_ask_for_a_prisoner_it_may_not_visit(setup, world):
    window, morning, *_ = setup
    with pytest.raises(PermissionDenied):
        ask(world, window, [morning], visitor=world.other_family)
    assert AllocationRequest.objects.count() == 0


def test_a_party_over_the_limits_is_refused(setup, world):
    window, morning, *_ = setup
    children = [factories.visitor(born=dt.date(2020, 6, 10), registered_by=world.family)]
    for child in children:
        factories.contact(child, world.prisoner)
    with pytest.raises(ValidationError) as refused:
        request_submit(
            actor=world.family.user,
            window_id=window.pk,
            prisoner_id=world.prisoner.pk,
            slot_ids=[morning.pk],
            visitor_ids=[children[0].pk],
        )
    assert refused.value.code == "party_no_adult"


def test_withdrawing_frees_the_family_to_ask_again_until_the_window_closes(setup, world):
    window, morning, afternoon, _video = setup
    request = ask(world, window, [morning])
    with pytest.raises(PermissionDenied):
        request_withdraw(actor=world.other_family.user, request=request)
    request_withdraw(actor=world.family.user, request=request)
    again = ask(world, window, [afternoon])
    window_close(actor=world.supervisor, window=window)
    with pytest.raises(ValidationError):
        request_withdraw(actor=world.family.user, request=again)


def test_preview_then_publish_books_through_the_booking_rules(setup, world):
    window, morning, afternoon, _video = setup
    visitor, rival = second_family(world)
    mine = ask(world, window, [morning, afternoon])
    theirs = ask(world, window, [morning], visitor=visitor, prisoner=rival)
    window_close(actor=world.supervisor, window=window)
    run = run_preview(actor=world.supervisor, window=window, seed=7)
    assert run.figures["met"] == 2 and run.figures["prisoners_without_visit"] == 0
    assert Booking.objects.count() == 0  # a preview books nothing
    run_publish(actor=world.supervisor, run=run)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    # Only a second choice lets both prisoners have a visit.
    assert (theirs.booking.slot, theirs.outcome_rank) == (morning, 1)
    assert (mine.booking.slot, mine.outcome_rank) == (afternoon, 2)
    assert mine.status == AllocationRequest.Status.ALLOCATED
    assert Slot.objects.get(pk=morning.pk).booked_count == 1
    assert Message.objects.filter(booking=mine.booking, recipient=world.family).exists()
    window.refresh_from_db()
    assert window.status == RequestWindow.Status.PUBLISHED
    with pytest.raises(ValidationError):
        run_publish(actor=world.supervisor, run=run)


def test_the_allowance_is_never_exceeded(setup, world):
    window, morning, afternoon, _video = setup
    level = world.prisoner.level
    level.in_person_per_month = 1
    level.save()
    world.facility.minimum_visits_per_month = 1
    world.facility.save()
    visitor, _ = second_family(world, prisoner=world.prisoner)
    ask(world, window, [morning])
    ask(world, window, [afternoon], visitor=visitor)
    window_close(actor=world.supervisor, window=window)
    run = run_publish(
        actor=world.supervisor, run=run_preview(actor=world.supervisor, window=window, seed=1)
    )
    assert run.figures["met"] == 1
    assert all(u.used <= u.allowed for u in AllowanceUsage.objects.all())
    unmet = AllocationRequest.objects.get(status=AllocationRequest.Status.NOT_ALLOCATED)
    assert unmet.outcome == solver.ALLOWANCE_TAKEN
    # The family that was not met hears it, with the way to the reason and the waitlist.
    told = Message.objects.get(kind=Message.Kind.REQUEST_NOT_MET)
    assert told.recipient == unmet.requested_by
    assert told.params["link"].endswith("/family/requests/")
    assert Message.objects.filter(kind=Message.Kind.BOOKED).count() == 1


def test_the_same_seed_gives_the_same_preview(setup, world):
    window, morning, *_ = setup
    for _ in range(3):
        visitor, prisoner = second_family(world)
        ask(world, window, [morning], visitor=visitor, prisoner=prisoner)
    window_close(actor=world.supervisor, window=window)
    runs = [run_preview(actor=world.supervisor, window=window, seed=99) for _ in range(2)]
    picks = [{o.request_id: o.slot_id for o in run.outcomes.all()} for run in runs]
    assert picks[0] == picks[1]
    runs[0].refresh_from_db()
    assert runs[0].status == AllocationRun.Status.SUPERSEDED


def test_a_booking_refused_at_publish_is_explained(setup, world):
    window, morning, *_ = setup
    request = ask(world, window, [morning])
    window_close(actor=world.supervisor, window=window)
    run = run_preview(actor=world.supervisor, window=window, seed=3)
    # A lockdown closes the time between the preview and the publish.
    Closure.objects.create(facility=world.facility, slot=morning, reason="Lockdown")
    run = run_publish(actor=world.supervisor, run=run)
    request.refresh_from_db()
    assert request.status == AllocationRequest.Status.NOT_ALLOCATED
    assert request.outcome == "refused_at_publish" and "closed" in request.outcome_detail
    assert run.figures["refused_at_publish"] == 1
    assert Booking.objects.count() == 0
    assert (
        Message.objects.filter(
            kind=Message.Kind.REQUEST_NOT_MET, recipient=request.requested_by
        ).count()
        == 1
    )


def test_a_time_in_a_window_cannot_be_booked_first_come_until_published(setup, world):
    window, morning, afternoon, _video = setup
    visitor, prisoner = second_family(world)

    def book(slot, key):
        return booking_create(
            actor=visitor.user,
            slot_id=slot.pk,
            prisoner_id=prisoner.pk,
            visitor_ids=[visitor.pk],
            kind="in_person",
            idempotency_key=key,
        )

    with pytest.raises(ValidationError) as refused:
        book(morning, "race")
    assert refused.value.code == "slot_by_request"
    ask(world, window, [morning])
    window_close(actor=world.supervisor, window=window)
    with pytest.raises(ValidationError):
        book(morning, "race-again")
    run_publish(actor=world.supervisor, run=run_preview(actor=world.supervisor, window=window))
    assert book(afternoon, "after").status == BookingStatus.BOOKED


def test_a_time_overlapping_a_visit_already_booked_is_left_out_and_ranks_stay_the_familys(
    setup, world
):
    window, morning, afternoon, _video = setup
    world.facility.in_person_per_day = 2  # the overlap is the rule this test is about
    world.facility.save(update_fields=["in_person_per_day"])
    # Booked first come in another room at the very time of the morning choice.
    elsewhere = factories.slot(
        world.facility, days_ahead=3, capacity=1, room=factories.room(world.facility)
    )
    booking_create(
        actor=world.family.user,
        slot_id=elsewhere.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key="before-the-window",
    )
    request = ask(world, window, [morning, afternoon])
    window_close(actor=world.supervisor, window=window)
    run = run_preview(actor=world.supervisor, window=window, seed=5)
    outcome = run.outcomes.get(request=request)
    # The morning (rank 1) was refused by the overlap rule; the afternoon is still rank 2.
    assert (outcome.slot_id, outcome.rank) == (afternoon.pk, 2)
    assert run.figures["requests_with_choices_left_out"] == 1
    assert run.figures["first_choice_share"] == 0.0
    assert run.figures["by_rank"] == {"2": 1}
    assert run.figures["optimal"] is True


def test_two_families_of_one_prisoner_are_not_given_more_visits_a_day_than_allowed(setup, world):
    # One in-person visit a day: the run must not grant both families the same day and
    # leave one to be refused at publish when its second choice, another day, was free.
    window, morning, afternoon, _video = setup
    assert world.facility.in_person_per_day == 1
    next_day = factories.slot(world.facility, days_ahead=4, capacity=1, room=morning.room)
    window.slots.add(next_day)
    sibling, _ = second_family(world, prisoner=world.prisoner)
    mine = ask(world, window, [morning])
    theirs = ask(world, window, [afternoon, next_day], visitor=sibling)
    window_close(actor=world.supervisor, window=window)
    run = run_preview(actor=world.supervisor, window=window, seed=2)
    outcomes = {o.request_id: o.slot_id for o in run.outcomes.all()}
    assert outcomes == {mine.pk: morning.pk, theirs.pk: next_day.pk}
    run = run_publish(actor=world.supervisor, run=run)
    assert run.figures["refused_at_publish"] == 0
    assert Booking.objects.filter(prisoner=world.prisoner).count() == 2


@pytest.mark.parametrize("why", ["closed", "level"])
def test_a_time_no_booking_could_take_is_refused_when_the_family_ranks_it(setup, world, why):
    window, morning, afternoon, _video = setup
    if why == "closed":
        Closure.objects.create(facility=world.facility, slot=morning, reason="Lockdown")
        code = "slot_closed"
    else:
        morning.template.levels.add(factories.level(world.facility, name="Enhanced"))
        code = "level_not_allowed"
    with pytest.raises(ValidationError) as refused:
        ask(world, window, [afternoon, morning])
    assert refused.value.code == code
    assert not AllocationRequest.objects.exists()


def test_a_relative_who_takes_back_their_agreement_is_not_booked_by_the_run(setup, world):
    window, morning, _afternoon, _video = setup
    world.family.user.username = "+8613911112222"
    world.family.user.save(update_fields=["username"])
    aunt = factories.visitor(full_name="Gulnar Aunt")
    factories.contact(aunt, world.prisoner, relationship="sibling")
    consent = party_consent_give(actor=aunt.user, member=aunt, host_phone="+8613911112222")
    request = request_submit(
        actor=world.family.user,
        window_id=window.pk,
        prisoner_id=world.prisoner.pk,
        slot_ids=[morning.pk],
        visitor_ids=[world.family.pk, aunt.pk],
    )
    party_consent_withdraw(actor=aunt.user, consent=consent)
    window_close(actor=world.supervisor, window=window)
    run = run_preview(actor=world.supervisor, window=window, seed=4)
    assert run.outcomes.get(request=request).slot_id is None
    run_publish(actor=world.supervisor, run=run)
    assert not Booking.objects.filter(visitors=aunt).exists()
    request.refresh_from_db()
    assert request.status == AllocationRequest.Status.NOT_ALLOCATED
