"""The demo prison: loads once, loads again without change, and is usable as loaded."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.accounts.models import StaffRole, User
from apps.audit.models import AuditEvent
from apps.bookings.models import Booking, BookingVisitor
from apps.demo.prison import DEMO_LOGINS, FACILITY_CODE
from apps.facilities.models import Facility, Room, SessionTemplate, Slot, Terminal
from apps.people.models import Contact, Prisoner, Relationship, Visitor
from apps.policy.models import Level, StageRule
from lib import identity

pytestmark = pytest.mark.django_db

COUNTED = (
    Facility,
    Level,
    StageRule,
    Room,
    Terminal,
    SessionTemplate,
    Slot,
    Prisoner,
    Visitor,
    Contact,
    User,
    StaffRole,
    Booking,
    BookingVisitor,
    AuditEvent,
)


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def facility() -> Facility:
    load()
    return Facility.objects.get(code=FACILITY_CODE)


def test_a_second_load_changes_nothing(facility):
    before = counts()

    output = load()

    assert counts() == before
    assert "already loaded" in output


def test_summary_prints_the_demo_logins():
    output = load()

    for _role, username, password in DEMO_LOGINS:
        assert f"{username} / {password}" in output


def test_population_shows_every_case_the_rules_handle(facility):
    prisoners = Prisoner.objects.filter(facility=facility)
    contacts = Contact.objects.filter(prisoner__facility=facility)

    assert prisoners.count() >= 250
    assert prisoners.filter(legal_status=Prisoner.LegalStatus.REMAND).exists()
    assert prisoners.exclude(status=Prisoner.Status.IN_CUSTODY).exists()
    assert Room.objects.filter(facility=facility).count() >= 3
    assert Room.objects.filter(facility=facility, is_closed=True).exists()
    assert Terminal.objects.filter(facility=facility).count() >= 2
    assert contacts.filter(status=Contact.Status.APPROVED).exists()
    assert contacts.filter(status=Contact.Status.PENDING).exists()
    assert contacts.filter(relationship="legal", status=Contact.Status.APPROVED).exists()
    assert SessionTemplate.objects.filter(facility=facility, levels__code="lenient").exists()
    assert Booking.objects.filter(facility=facility).count() >= 20


def test_every_in_custody_prisoner_has_family(facility):
    family = [r for r in Relationship.values if r != Relationship.LEGAL]
    in_custody = Prisoner.objects.filter(facility=facility, status=Prisoner.Status.IN_CUSTODY)

    assert not in_custody.exclude(contacts__relationship__in=family).exists()


def test_every_visitor_document_is_valid(facility):
    for visitor in Visitor.objects.all():
        number = visitor.document_number
        assert identity.normalize_document(visitor.document_type, number) == number
        if visitor.document_type == identity.RESIDENT_ID:
            assert identity.resident_id_birth_date(number) == visitor.date_of_birth


def test_adults_can_be_found_by_phone_and_children_cannot_sign_in(facility):
    today = facility.local_today()
    for visitor in Visitor.objects.select_related("user"):
        if visitor.age_on(today) >= facility.adult_age:
            assert visitor.user.username == visitor.phone
        else:
            assert visitor.user is None


def test_slots_exist_for_the_coming_days(facility):
    today = facility.local_today()
    coming = Slot.objects.filter(
        facility=facility, date__gt=today, date__lte=today + dt.timedelta(days=7)
    )

    assert coming.filter(room__isnull=False).exists()
    assert coming.filter(terminal__isnull=False, capacity=1).exists()


@pytest.mark.parametrize(("role", "username", "password"), DEMO_LOGINS)
def test_demo_staff_sign_in_with_their_password(facility, role, username, password):
    user = authenticate(username=username, password=password)

    assert user is not None
    assert StaffRole.objects.filter(user=user, facility=facility, role=role).exists()
    assert user.is_superuser == (role == StaffRole.Role.ADMINISTRATOR)
