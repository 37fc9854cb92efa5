"""booking_create: each rule refuses what it should, with a clear code, and writes nothing."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_create, booking_create_or_replay
from apps.facilities.models import Closure, Slot
from apps.people.models import Contact, Prisoner, Restriction, Visitor
from apps.policy.kinds import VisitKind
from lib.references import ALPHABET
from tests import factories


def book(world, slot, *, visitors=None, actor=None, kind=None, prisoner=None, key=None):
    visitors = visitors if visitors is not None else [world.family]
    return booking_create(
        actor=actor or visitors[0].user if visitors else world.officer,
        slot_id=slot.pk,
        prisoner_id=(prisoner or world.prisoner).pk,
        visitor_ids=[v.pk for v in visitors],
        kind=kind or (VisitKind.VIDEO if slot.is_video else VisitKind.IN_PERSON),
        idempotency_key=key or uuid.uuid4().hex,
    )


def refused(code, call):
    """Run a booking that must be refused; check its code and that nothing was written."""
    bookings, events = Booking.objects.count(), AuditEvent.objects.count()
    seats = list(Slot.objects.values_list("booked_count", flat=True))
    used = list(AllowanceUsage.objects.values_list("used", flat=True))
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.code == code
    assert str(info.value.messages[0])  # a readable sentence, not a blank
    assert Booking.objects.count() == bookings
    assert AuditEvent.objects.count() == events
    assert list(Slot.objects.values_list("booked_count", flat=True)) == seats
    assert list(AllowanceUsage.objects.values_list("used", flat=True)) == used
    return info.value


def test_a_family_books_a_seat_and_uses_one_visit(world):
    slot = factories.slot(world.facility)
    booking = book(world, slot)
    slot.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    assert slot.booked_count == 1
    assert list(booking.visitors.all()) == [world.family]
    usage = AllowanceUsage.objects.get(prisoner=world.prisoner, kind=VisitKind.IN_PERSON)
    assert (usage.used, usage.allowed) == (1, 2)
    assert usage.period_start == slot.date.replace(day=1)
    event = AuditEvent.objects.get(action="booking.create")
    assert event.actor == world.family.user and event.target_id == str(booking.pk)


def test_references_are_short_random_and_unambiguous(world):
    slot = factories.slot(world.facility, capacity=30)
    references = []
    for _ in range(2):
        prisoner = factories.prisoner(world.facility)
        visitor = factories.visitor()
        factories.contact(visitor, prisoner)
        references.append(book(world, slot, visitors=[visitor], prisoner=prisoner).reference)
    assert all(len(r) == 8 and set(r) <= set(ALPHABET) for r in references)
    assert references[0] != references[1]
    assert not set("01OIL") & set("".join(references))


def test_the_same_key_retried_returns_the_first_booking(world):
    slot = factories.slot(world.facility)
    first = book(world, slot, key="retry-1")
    again = book(world, slot, key="retry-1")
    assert again.pk == first.pk
    assert Booking.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_a_caller_can_tell_a_retry_from_a_new_booking(world):
    slot = factories.slot(world.facility)
    arguments = {
        "actor": world.family.user,
        "slot_id": slot.pk,
        "prisoner_id": world.prisoner.pk,
        "visitor_ids": [world.family.pk],
        "kind": VisitKind.IN_PERSON,
        "idempotency_key": "retry-2",
    }
    first, replayed_first = booking_create_or_replay(**arguments)
    again, replayed_again = booking_create_or_replay(**arguments)
    assert (replayed_first, replayed_again) == (False, True)
    assert again.pk == first.pk


def test_a_booking_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    """The rules read in a few queries whatever the party, and nothing per visitor."""
    child = factories.visitor(
        born=dt.date(2018, 6, 10), with_user=False, registered_by=world.family
    )
    factories.contact(child, world.prisoner, relationship="child")
    slot = factories.slot(world.facility)
    # 14 today: the savepoint and its release, the right to book, the prisoner's
    # lock, the slot, the party, the stage rules, seat, closure, allowance,
    # booking, party (one insert), the message to the phone the two share, and
    # the audit event. Before, it was 24, some of them per visitor.
    with django_assert_max_num_queries(14):
        book(world, slot, visitors=[world.family, child])


def test_a_reused_key_with_other_details_is_refused(world):
    book(world, factories.slot(world.facility), key="k")
    other = factories.slot(world.facility, start=dt.time(14, 0))
    refused("idempotency_key_reused", lambda: book(world, other, key="k"))


def test_the_last_seat_goes_once(world):
    slot = factories.slot(world.facility, capacity=1)
    book(world, slot)
    rival = factories.prisoner(world.facility)
    rival_family = factories.visitor()
    factories.contact(rival_family, rival)
    refused("slot_full", lambda: book(world, slot, visitors=[rival_family], prisoner=rival))


def test_the_allowance_is_shared_by_all_families_of_a_prisoner(world):
    level = factories.level(world.facility, in_person_per_month=1, video_per_month=0)
    Prisoner.objects.filter(pk=world.prisoner.pk).update(level=level)
    sister = factories.visitor()
    factories.contact(sister, world.prisoner, relationship="sibling")
    book(world, factories.slot(world.facility, days_ahead=1))
    later = factories.slot(world.facility, days_ahead=2, start=dt.time(15, 0))
    error = refused("allowance_used", lambda: book(world, later, visitors=[sister]))
    assert "1" in error.messages[0]


def test_a_new_month_brings_a_new_allowance(world):
    level = factories.level(world.facility, in_person_per_month=1)
    Prisoner.objects.filter(pk=world.prisoner.pk).update(level=level)
    world.facility.max_notice_days = 70
    world.facility.save()
    today = world.facility.local_today()
    next_month = (today.replace(day=1) + dt.timedelta(days=40)).replace(day=1)
    book(world, factories.slot(world.facility, days_ahead=(next_month - today).days))
    book(world, factories.slot(world.facility, days_ahead=(next_month - today).days + 31))
    assert AllowanceUsage.objects.filter(prisoner=world.prisoner, used=1).count() == 2


def test_video_and_in_person_are_counted_apart(world):
    level = factories.level(world.facility, in_person_per_month=1, video_per_month=1)
    Prisoner.objects.filter(pk=world.prisoner.pk).update(level=level)
    book(world, factories.slot(world.facility))
    book(world, factories.slot(world.facility, video=True, start=dt.time(16, 0)))
    assert Booking.objects.count() == 2


def test_legal_visits_never_use_the_family_allowance(world):
    level = factories.level(world.facility, in_person_per_month=1)
    Prisoner.objects.filter(pk=world.prisoner.pk).update(level=level)
    lawyer = factories.visitor(full_name="Lawyer")
    factories.contact(lawyer, world.prisoner, relationship="legal")
    book(world, factories.slot(world.facility))
    legal = book(
        world,
        factories.slot(world.facility, start=dt.time(15, 0)),
        visitors=[lawyer],
        kind=VisitKind.LEGAL,
    )
    assert legal.allowance_usage is None
    assert AllowanceUsage.objects.get(prisoner=world.prisoner).used == 1


def test_a_family_cannot_book_a_legal_visit(world):
    slot = factories.slot(world.facility)
    refused("legal_mismatch", lambda: book(world, slot, kind=VisitKind.LEGAL))


def test_visitors_must_be_approved_contacts(world):
    slot = factories.slot(world.facility)
    pending = factories.visitor()
    factories.contact(pending, world.prisoner, status=Contact.Status.PENDING)
    officer = world.officer
    refused("contact_not_approved", lambda: book(world, slot, visitors=[pending], actor=officer))
    refused(
        "contact_not_approved",
        lambda: book(world, slot, visitors=[world.other_family], actor=officer),
    )
    # An approved family member cannot bring someone who is not theirs either.
    party = [world.family, world.other_family]
    refused("party_not_yours", lambda: book(world, slot, visitors=party, actor=world.family.user))
    Contact.objects.filter(visitor=world.family).update(status=Contact.Status.SUSPENDED)
    refused("contact_not_approved", lambda: book(world, slot, actor=officer))


def test_a_family_not_approved_for_the_prisoner_cannot_book(world):
    slot = factories.slot(world.facility)
    pending = factories.visitor()
    factories.contact(pending, world.prisoner, status=Contact.Status.PENDING)
    with pytest.raises(PermissionDenied):
        book(world, slot, visitors=[pending])
    assert Booking.objects.count() == 0


def test_a_family_brings_the_people_it_registered(world):
    grandmother = factories.visitor(
        born=dt.date(1950, 3, 3), with_user=False, registered_by=world.family
    )
    factories.contact(grandmother, world.prisoner, relationship="grandparent")
    booking = book(
        world, factories.slot(world.facility), visitors=[grandmother], actor=world.family.user
    )
    assert list(booking.visitors.all()) == [grandmother]


def test_a_family_cannot_bring_another_familys_approved_visitor(world):
    """An estranged spouse and a new partner may both be approved; neither books the other."""
    partner = factories.visitor(full_name="New Partner")
    factories.contact(partner, world.prisoner, relationship="spouse")
    slot = factories.slot(world.facility)
    refused(
        "party_not_yours", lambda: book(world, slot, visitors=[world.family], actor=partner.user)
    )
    refused(
        "party_not_yours",
        lambda: book(world, slot, visitors=[partner, world.family], actor=partner.user),
    )
    # Staff booking on behalf may bring any approved visitors.
    assert book(world, slot, visitors=[partner, world.family], actor=world.officer)


def test_only_approved_family_and_staff_of_the_facility_may_book(world):
    slot = factories.slot(world.facility)
    with pytest.raises(PermissionDenied):
        book(world, slot, actor=world.other_family.user)
    with pytest.raises(PermissionDenied):
        book(world, slot, actor=world.other_officer)
    assert Booking.objects.count() == 0


def test_an_officer_books_for_a_family(world):
    booking = book(world, factories.slot(world.facility), actor=world.officer)
    assert booking.created_by == world.officer


def test_prisoner_must_be_in_custody_at_the_facility(world):
    slot = factories.slot(world.facility)
    Prisoner.objects.filter(pk=world.prisoner.pk).update(status=Prisoner.Status.RELEASED)
    refused("not_in_custody", lambda: book(world, slot))
    Prisoner.objects.filter(pk=world.prisoner.pk).update(status=Prisoner.Status.IN_CUSTODY)
    elsewhere = factories.slot(world.other_facility)
    refused("not_in_custody", lambda: book(world, elsewhere, actor=world.officer))


def test_unknown_prisoner_slot_and_visitor_are_refused(world):
    slot = factories.slot(world.facility)
    refused("unknown_slot", lambda: book(world, Slot(pk=999999, facility=world.facility)))
    refused(
        "unknown_prisoner",
        lambda: book(world, slot, prisoner=Prisoner(pk=999999), actor=world.officer),
    )
    # A family learns nothing about prisoners it is not approved for, not even that they exist.
    with pytest.raises(PermissionDenied):
        book(world, slot, prisoner=Prisoner(pk=999999))
    stranger = factories.prisoner(world.other_facility, full_name="Secret Person")
    with pytest.raises(PermissionDenied) as info:
        book(world, slot, prisoner=stranger)
    assert "Secret Person" not in str(info.value)
    ghost = factories.visitor()
    ghost_id = ghost.pk
    ghost.pk = 999999
    refused(
        "unknown_visitor",
        lambda: book(world, slot, visitors=[world.family, ghost], actor=world.officer),
    )
    assert ghost_id != 999999


def test_the_booking_window_is_enforced(world):
    world.facility.min_notice_days = 2
    world.facility.max_notice_days = 10
    world.facility.save()
    soon = factories.slot(world.facility, days_ahead=1)
    far = factories.slot(world.facility, days_ahead=11)
    refused("too_soon", lambda: book(world, soon))
    refused("too_far", lambda: book(world, far))
    assert book(world, factories.slot(world.facility, days_ahead=2))


def test_a_slot_in_the_past_is_refused(world):
    slot = factories.slot(world.facility, days_ahead=0, start=dt.time(0, 0), minutes=1)
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() - dt.timedelta(minutes=30),
    )
    refused("slot_past", lambda: book(world, slot))


def test_a_closed_date_or_slot_is_refused(world):
    slot = factories.slot(world.facility)
    closure = Closure.objects.create(facility=world.facility, date=slot.date, reason="Lockdown")
    refused("slot_closed", lambda: book(world, slot))
    closure.delete()
    Closure.objects.create(facility=world.facility, slot=slot, reason="Room repairs")
    refused("slot_closed", lambda: book(world, slot))


def test_the_visit_kind_must_match_the_slot(world):
    room_slot = factories.slot(world.facility)
    video_slot = factories.slot(world.facility, video=True, start=dt.time(15, 0))
    refused("kind_mismatch", lambda: book(world, room_slot, kind=VisitKind.VIDEO))
    refused("kind_mismatch", lambda: book(world, video_slot, kind=VisitKind.IN_PERSON))
    refused("kind", lambda: book(world, room_slot, kind="phone"))


def test_a_slot_kept_for_some_levels_refuses_others(world):
    slot = factories.slot(world.facility)
    slot.template.levels.add(factories.level(world.facility, name="Lenient"))
    error = refused("level_not_allowed", lambda: book(world, slot))
    assert world.prisoner.level.name in error.messages[0]
    slot.template.levels.add(world.prisoner.level)
    assert book(world, slot)


def test_the_prisoner_cannot_have_two_visits_at_once(world):
    book(world, factories.slot(world.facility, start=dt.time(9, 0), minutes=60))
    overlapping = factories.slot(world.facility, start=dt.time(9, 30), video=True)
    refused("prisoner_busy", lambda: book(world, overlapping))
    after = factories.slot(world.facility, start=dt.time(10, 0), video=True)
    assert book(world, after)


def _restrict(world, kind, **target):
    return Restriction.objects.create(
        facility=world.facility,
        kind=kind,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=30),
        reason="Reason on file",
        set_by=world.supervisor,
        **target,
    )


def test_a_banned_visitor_is_refused(world):
    _restrict(world, Restriction.Kind.BAN, visitor=world.family)
    slot = factories.slot(world.facility)
    refused("restricted", lambda: book(world, slot))


def test_a_ban_on_one_contact_is_refused(world):
    _restrict(world, Restriction.Kind.BAN, contact=world.family.contacts.get())
    slot = factories.slot(world.facility)
    refused("restricted", lambda: book(world, slot))


def test_a_ban_at_another_facility_does_not_apply_here(world):
    Restriction.objects.create(
        facility=world.other_facility,
        visitor=world.family,
        kind=Restriction.Kind.BAN,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=30),
        reason="Elsewhere",
        set_by=world.other_officer,
    )
    assert book(world, factories.slot(world.facility))


def test_an_expired_restriction_no_longer_applies(world):
    restriction = _restrict(world, Restriction.Kind.BAN, visitor=world.family)
    Restriction.objects.filter(pk=restriction.pk).update(
        ends_at=timezone.now() + dt.timedelta(days=1)
    )
    assert book(world, factories.slot(world.facility, days_ahead=3))


def test_closed_only_needs_a_closed_room(world):
    _restrict(world, Restriction.Kind.CLOSED_ONLY, visitor=world.family)
    open_room = factories.slot(world.facility)
    refused("restricted_closed_only", lambda: book(world, open_room))
    glass = factories.room(world.facility, is_closed=True)
    assert book(world, factories.slot(world.facility, room=glass, start=dt.time(15, 0)))


def test_no_video_refuses_video_but_not_in_person(world):
    _restrict(world, Restriction.Kind.NO_VIDEO, visitor=world.family)
    video = factories.slot(world.facility, video=True)
    refused("restricted_no_video", lambda: book(world, video))
    assert book(world, factories.slot(world.facility, start=dt.time(15, 0)))


def _adult():
    return factories.visitor(born=dt.date(1970, 1, 1))


def _child(world):
    return factories.visitor(
        born=world.facility.local_today() - dt.timedelta(days=365 * 8), with_user=False
    )


def _family_of(world, *visitors):
    """The world's family with people it registered, all approved for the prisoner."""
    for v in visitors:
        factories.contact(v, world.prisoner, relationship="child")
        Visitor.objects.filter(pk=v.pk).update(registered_by=world.family)
    return [world.family, *visitors]


def test_a_party_needs_an_adult(world):
    child = _child(world)
    factories.contact(child, world.prisoner, relationship="child")
    slot = factories.slot(world.facility)
    refused("party_no_adult", lambda: book(world, slot, visitors=[child], actor=world.officer))


def test_a_party_respects_the_visitor_limits(world):
    world.facility.max_visitors = 3
    world.facility.max_children = 1
    world.facility.max_adults = 2
    world.facility.save()
    slot = factories.slot(world.facility)
    too_many = _family_of(world, _adult(), _child(world), _child(world))
    refused("party_too_large", lambda: book(world, slot, visitors=too_many))
    refused(
        "party_too_many_children", lambda: book(world, slot, visitors=too_many[:1] + too_many[2:])
    )
    refused(
        "party_too_many_adults",
        lambda: book(world, slot, visitors=_family_of(world, _adult(), _adult())),
    )
    refused("party_empty", lambda: book(world, slot, visitors=[], actor=world.officer))


def test_a_level_may_set_a_tighter_party_limit(world):
    world.prisoner.level.max_visitors = 1
    world.prisoner.level.save()
    slot = factories.slot(world.facility)
    refused("party_too_large", lambda: book(world, slot, visitors=_family_of(world, _adult())))


def test_a_child_turns_adult_on_their_birthday(world):
    slot = factories.slot(world.facility, days_ahead=5)
    assert slot.date == dt.date(2026, 6, 15)
    teenager = factories.visitor(born=dt.date(2008, 6, 15))
    factories.contact(teenager, world.prisoner, relationship="child")
    assert book(world, slot, visitors=[teenager])


def test_a_child_a_day_short_of_adult_cannot_come_alone(world):
    slot = factories.slot(world.facility, days_ahead=5)  # 15 June 2026
    teenager = factories.visitor(born=dt.date(2008, 6, 16))
    factories.contact(teenager, world.prisoner, relationship="child")
    refused("party_no_adult", lambda: book(world, slot, visitors=[teenager]))


def test_a_restriction_that_starts_after_the_visit_does_not_apply(world):
    slot = factories.slot(world.facility, days_ahead=3)
    Restriction.objects.create(
        facility=world.facility,
        visitor=world.family,
        kind=Restriction.Kind.BAN,
        starts_at=slot.ends_at + dt.timedelta(days=1),
        ends_at=slot.ends_at + dt.timedelta(days=30),
        reason="Later",
        set_by=world.supervisor,
    )
    assert book(world, slot)


def test_a_lawyer_cannot_book_a_family_visit(world):
    lawyer = factories.visitor(full_name="Counsel")
    factories.contact(lawyer, world.prisoner, relationship="legal")
    slot = factories.slot(world.facility)
    refused("legal_mismatch", lambda: book(world, slot, visitors=[lawyer], actor=world.officer))


def test_legal_visits_are_never_on_a_video_terminal(world):
    lawyer = factories.visitor(full_name="Counsel")
    factories.contact(lawyer, world.prisoner, relationship="legal")
    video = factories.slot(world.facility, video=True)
    error = refused(
        "kind_mismatch", lambda: book(world, video, visitors=[lawyer], kind=VisitKind.LEGAL)
    )
    assert "never recorded" in error.messages[0]


def test_request_keys_belong_to_whoever_sent_them(world):
    slot = factories.slot(world.facility)
    mine = book(world, slot, key="same-key")
    prisoner = factories.prisoner(world.facility)
    factories.contact(world.other_family, prisoner)
    theirs = book(world, slot, visitors=[world.other_family], prisoner=prisoner, key="same-key")
    assert mine.pk != theirs.pk


def test_an_anonymous_caller_is_refused_cleanly(world):
    from django.contrib.auth.models import AnonymousUser

    slot = factories.slot(world.facility)
    with pytest.raises(PermissionDenied):
        booking_create(
            actor=AnonymousUser(),
            slot_id=slot.pk,
            prisoner_id=world.prisoner.pk,
            visitor_ids=[world.family.pk],
            kind="in_person",
            idempotency_key="anon",
        )


# One visit a day -----------------------------------------------------------------------------


def test_a_second_visit_on_the_same_day_is_refused(world):
    book(world, factories.slot(world.facility, days_ahead=3, start=dt.time(9, 0)))
    afternoon = factories.slot(world.facility, days_ahead=3, start=dt.time(15, 0))
    refused("per_day", lambda: book(world, afternoon))


def test_the_day_is_the_prisons_own_date(world):
    book(world, factories.slot(world.facility, days_ahead=3, start=dt.time(22, 0)))
    # 07:00 the next morning in Shanghai is still the same day in UTC: another day here.
    assert book(world, factories.slot(world.facility, days_ahead=4, start=dt.time(7, 0)))


def test_a_video_visit_the_same_day_counts_apart_and_a_facility_may_allow_more(world):
    book(world, factories.slot(world.facility, days_ahead=3, start=dt.time(9, 0)))
    video = factories.slot(world.facility, days_ahead=3, start=dt.time(11, 0), video=True)
    assert book(world, video, kind="video")
    world.facility.in_person_per_day = 2
    world.facility.save(update_fields=["in_person_per_day"])
    assert book(world, factories.slot(world.facility, days_ahead=3, start=dt.time(15, 0)))
