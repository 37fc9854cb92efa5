"""Contacts are requested and decided by the right people; restrictions keep the minimum."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.people.models import Contact, Restriction
from apps.people.services import contact_decide, contact_request, restriction_create
from tests import factories
from tests.clock import at


def test_a_family_asks_and_an_officer_approves(world):
    mother = factories.visitor()
    contact = contact_request(
        actor=mother.user, visitor=mother, prisoner=world.prisoner, relationship="parent"
    )
    assert contact.status == Contact.Status.PENDING
    contact_decide(actor=world.officer, contact=contact, status=Contact.Status.APPROVED)
    contact.refresh_from_db()
    assert contact.status == Contact.Status.APPROVED
    assert contact.decided_by == world.officer
    assert AuditEvent.objects.filter(action="contact.approved", target_id=str(contact.pk)).exists()


def test_nobody_asks_for_someone_else(world):
    mother = factories.visitor()
    with pytest.raises(PermissionDenied):
        contact_request(
            actor=world.other_family.user,
            visitor=mother,
            prisoner=world.prisoner,
            relationship="parent",
        )
    with pytest.raises(PermissionDenied):
        contact_request(
            actor=world.other_officer,
            visitor=mother,
            prisoner=world.prisoner,
            relationship="parent",
        )
    assert not Contact.objects.filter(visitor=mother).exists()


def test_asking_twice_or_with_a_made_up_relationship_is_refused(world):
    with pytest.raises(ValidationError) as info:
        contact_request(
            actor=world.family.user,
            visitor=world.family,
            prisoner=world.prisoner,
            relationship="parent",
        )
    assert info.value.code == "contact_exists"
    with pytest.raises(ValidationError) as info:
        contact_request(
            actor=world.other_family.user,
            visitor=world.other_family,
            prisoner=world.prisoner,
            relationship="boss",
        )
    assert info.value.code == "relationship"


def test_only_staff_of_the_facility_decide(world):
    contact = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    for intruder in (world.other_officer, world.family.user):
        with pytest.raises(PermissionDenied):
            contact_decide(actor=intruder, contact=contact, status=Contact.Status.APPROVED)
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.PENDING


def test_a_rejection_needs_a_reason(world):
    contact = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    with pytest.raises(ValidationError) as info:
        contact_decide(
            actor=world.officer, contact=contact, status=Contact.Status.REJECTED, reason=" "
        )
    assert info.value.code == "reason_required"
    contact_decide(
        actor=world.officer,
        contact=contact,
        status=Contact.Status.REJECTED,
        reason="Not a relative",
    )
    assert Contact.objects.get(pk=contact.pk).decision_reason == "Not a relative"
    with pytest.raises(ValidationError) as info:
        contact_decide(
            actor=world.officer, contact=contact, status=Contact.Status.SUSPENDED, reason="x"
        )
    assert info.value.code == "contact_transition"


def restrict(world, **overrides):
    fields = {
        "actor": world.supervisor,
        "facility_id": world.facility.pk,
        "kind": Restriction.Kind.CLOSED_ONLY,
        "starts_at": timezone.now(),
        "ends_at": timezone.now() + dt.timedelta(days=30),
        "reason": "Passed a phone across the table",
        "visitor": world.family,
    }
    return restriction_create(**(fields | overrides))


def test_a_restriction_is_time_limited_reasoned_and_audited(world):
    restriction = restrict(world)
    assert restriction.set_by == world.supervisor
    event = AuditEvent.objects.get(action="restriction.create")
    assert event.data["reason"] == "Passed a phone across the table"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"reason": "   "}, "reason_required"),
        # The suite's clock stands at 10:00 on 10 June 2026 (tests/clock.py).
        ({"ends_at": at("2026-06-08 10:00")}, "ends_before_start"),
        ({"starts_at": at("2026-06-01 10:00"), "ends_at": at("2026-06-09 10:00")}, "already_ended"),
        ({"kind": "silence"}, "kind"),
        ({"visitor": None}, "target"),
    ],
)
def test_bad_restrictions_are_refused_and_write_nothing(world, overrides, code):
    with pytest.raises(ValidationError) as info:
        restrict(world, **overrides)
    assert info.value.code == code
    assert Restriction.objects.count() == 0


def test_a_ban_that_leaves_no_family_is_refused(world):
    with pytest.raises(ValidationError) as info:
        restrict(world, kind=Restriction.Kind.BAN)
    assert info.value.code == "below_minimum"
    assert "closed visits" in info.value.messages[0]
    assert Restriction.objects.count() == 0
    # Closed visits keep contact, so they are allowed.
    assert restrict(world, kind=Restriction.Kind.CLOSED_ONLY)


def test_a_ban_is_allowed_while_another_family_member_can_visit(world):
    brother = factories.visitor()
    factories.contact(brother, world.prisoner, relationship="sibling")
    assert restrict(world, kind=Restriction.Kind.BAN)
    # ...but not a second ban that would take the last one away.
    with pytest.raises(ValidationError) as info:
        restrict(world, kind=Restriction.Kind.BAN, visitor=brother)
    assert info.value.code == "below_minimum"


def test_a_lawyer_does_not_count_as_family_contact(world):
    lawyer = factories.visitor()
    factories.contact(lawyer, world.prisoner, relationship="legal")
    with pytest.raises(ValidationError):
        restrict(world, kind=Restriction.Kind.BAN)


def test_only_staff_of_the_facility_restrict(world):
    for intruder in (world.other_officer, world.family.user):
        with pytest.raises(PermissionDenied):
            restrict(world, actor=intruder)
    assert Restriction.objects.count() == 0


def test_a_child_alone_does_not_keep_the_minimum(world):
    child = factories.visitor(
        born=world.facility.local_today() - dt.timedelta(days=8 * 365), with_user=False
    )
    factories.contact(child, world.prisoner, relationship="child")
    with pytest.raises(ValidationError) as info:
        restrict(world, kind=Restriction.Kind.BAN)
    assert info.value.code == "below_minimum"


def test_suspending_the_last_family_member_is_refused(world):
    contact = world.family.contacts.get()
    with pytest.raises(ValidationError) as info:
        contact_decide(
            actor=world.officer, contact=contact, status=Contact.Status.SUSPENDED, reason="x"
        )
    assert info.value.code == "below_minimum"
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.APPROVED


def _booked(world, visitor, *, video=False, days_ahead=3):
    from apps.bookings.services import booking_create

    slot = factories.slot(world.facility, days_ahead=days_ahead, video=video)
    return booking_create(
        actor=world.officer,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[visitor.pk],
        kind="video" if video else "in_person",
        idempotency_key=f"{visitor.pk}-{video}-{days_ahead}",
    )


def test_a_restriction_cancels_the_bookings_it_forbids_and_only_those(world):
    video = _booked(world, world.family, video=True, days_ahead=3)
    in_person = _booked(world, world.family, days_ahead=4)
    restriction = restrict(world, kind=Restriction.Kind.NO_VIDEO)
    video.refresh_from_db()
    in_person.refresh_from_db()
    assert video.status == "cancelled"
    assert in_person.status == "booked"
    assert AuditEvent.objects.get(action="restriction.create", target_id=str(restriction.pk)).data[
        "cancelled"
    ] == [video.reference]


def test_a_suspension_cancels_the_contacts_coming_visits(world):
    brother = factories.visitor()
    factories.contact(brother, world.prisoner, relationship="sibling")
    booking = _booked(world, world.family)
    contact_decide(
        actor=world.officer,
        contact=world.family.contacts.get(),
        status=Contact.Status.SUSPENDED,
        reason="Threats",
    )
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.status_reason == "Threats"


def test_an_anonymous_caller_cannot_ask_for_a_contact(world):
    from django.contrib.auth.models import AnonymousUser

    orphan = factories.visitor(with_user=False)
    with pytest.raises(PermissionDenied):
        contact_request(
            actor=AnonymousUser(), visitor=orphan, prisoner=world.prisoner, relationship="parent"
        )
    assert not Contact.objects.filter(visitor=orphan).exists()
