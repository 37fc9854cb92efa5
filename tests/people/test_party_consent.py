"""A visitor agrees to come to the visits another family books: only then may that family
choose them, see their name, and book them; and they may take it back."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.people.models import PartyConsent
from apps.people.selectors import party_choices
from apps.people.services import party_consent_give, party_consent_withdraw
from tests import factories
from tests.bookings.test_booking_create import book, refused

pytestmark = pytest.mark.django_db

HOST_PHONE = "+8613911112222"


@pytest.fixture
def aunt(world):
    """Another approved visitor of the prisoner, with her own account."""
    aunt = factories.visitor(full_name="Gulnar Aunt")
    factories.contact(aunt, world.prisoner, relationship="sibling")
    return aunt


@pytest.fixture
def host(world):
    """The family who books signs in with its mobile number."""
    world.family.user.username = HOST_PHONE
    world.family.user.save(update_fields=["username"])
    return world.family


def confirm_page(client, world, slot):
    client.force_login(world.family.user)
    return client.get(reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])).text


def test_a_visitor_who_agreed_is_offered_and_booked_and_no_one_before(world, client, host, aunt):
    slot = factories.slot(world.facility)
    assert "Gulnar Aunt" not in confirm_page(client, world, slot)
    refused("party_not_yours", lambda: book(world, slot, visitors=[host, aunt], actor=host.user))

    client.force_login(aunt.user)
    response = client.post(reverse("portal:party_consents"), {"phone": "139 1111 2222"})
    assert response.status_code == 302
    consent = PartyConsent.objects.get()
    assert (consent.host, consent.member) == (host, aunt)
    assert AuditEvent.objects.filter(action="party.consent_given", actor=aunt.user).count() == 1
    page = client.get(reverse("portal:party_consents")).text
    assert "+86139****2222" in page and host.full_name not in page  # a number, never a name

    assert "Gulnar Aunt" in confirm_page(client, world, slot)
    assert list(party_choices(world.prisoner.pk, of=host)) == sorted(
        [host, aunt], key=lambda v: v.full_name
    )
    booking = book(world, slot, visitors=[host, aunt], actor=host.user)
    assert set(booking.visitors.all()) == {host, aunt}
    # Agreeing to come with the host does not let the aunt bring the host.
    other = factories.slot(world.facility, days_ahead=4)
    refused("party_not_yours", lambda: book(world, other, visitors=[aunt, host], actor=aunt.user))


def test_taking_it_back_stops_new_bookings_and_keeps_the_booked_one(world, client, host, aunt):
    consent = party_consent_give(actor=aunt.user, member=aunt, host_phone=HOST_PHONE)
    booked = book(world, factories.slot(world.facility), visitors=[host, aunt], actor=host.user)
    client.force_login(aunt.user)
    withdraw = reverse("portal:party_consent_withdraw", args=[consent.pk])
    assert client.post(withdraw).status_code == 302
    assert not PartyConsent.objects.exists()
    assert AuditEvent.objects.filter(action="party.consent_withdrawn").count() == 1
    later = factories.slot(world.facility, days_ahead=5)
    refused("party_not_yours", lambda: book(world, later, visitors=[host, aunt], actor=host.user))
    assert "Gulnar Aunt" not in confirm_page(client, world, later)
    booked.refresh_from_db()
    assert booked.status == "booked" and aunt in booked.visitors.all()


def test_the_answer_is_the_same_for_a_number_no_family_uses(world, client, aunt):
    client.force_login(aunt.user)
    known = client.post(reverse("portal:party_consents"), {"phone": "13700001111"}, follow=True)
    assert "If this number belongs to a family registered here" in known.text
    assert not PartyConsent.objects.exists()
    assert not AuditEvent.objects.filter(action="party.consent_given").exists()


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("010-65529988", "mobile"),  # a landline
        ("+86 139 ABCD 2222", "digits"),
    ],
)
def test_a_number_that_is_not_a_mobile_is_refused_with_a_reason(world, client, aunt, typed, says):
    client.force_login(aunt.user)
    page = client.post(reverse("portal:party_consents"), {"phone": typed})
    assert page.status_code == 200
    assert says in str(page.context["form"].errors["phone"]).lower()
    assert not PartyConsent.objects.exists()


def test_ones_own_number_is_refused(world, aunt):
    aunt.user.username = "+8613722223333"
    aunt.user.save(update_fields=["username"])
    with pytest.raises(ValidationError) as refusal:
        party_consent_give(actor=aunt.user, member=aunt, host_phone="13722223333")
    assert refusal.value.code == "own_phone"


def test_nobody_gives_or_takes_back_a_consent_for_someone_else(world, client, host, aunt):
    with pytest.raises(PermissionDenied):
        party_consent_give(actor=world.other_family.user, member=aunt, host_phone=HOST_PHONE)
    consent = party_consent_give(actor=aunt.user, member=aunt, host_phone=HOST_PHONE)
    with pytest.raises(PermissionDenied):
        party_consent_withdraw(actor=host.user, consent=consent)
    withdraw = reverse("portal:party_consent_withdraw", args=[consent.pk])
    for someone in (host.user, world.other_family.user):
        client.force_login(someone)
        assert client.post(withdraw).status_code == 404
    client.logout()
    assert client.post(withdraw).status_code == 302  # to sign in
    assert client.get(reverse("portal:party_consents")).status_code == 302
    assert PartyConsent.objects.count() == 1
