"""Every family page refuses an anonymous visitor and another family."""

import pytest
from django.urls import reverse

from apps.bookings.services import booking_create
from tests import factories


@pytest.fixture
def booking(world):
    slot = factories.slot(world.facility, days_ahead=3)
    return booking_create(
        actor=world.family.user,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key="access",
    )


def family_pages(world, booking):
    return [
        reverse("portal:book", args=[world.prisoner.pk]),
        reverse("portal:book_confirm", args=[world.prisoner.pk, booking.slot_id]),
        reverse("portal:visit", args=[booking.reference]),
        reverse("portal:visit_ics", args=[booking.reference]),
        reverse("portal:visit_cancel", args=[booking.reference]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, world, booking):
    pages = [
        *family_pages(world, booking),
        reverse("portal:home"),
        reverse("portal:visits"),
        reverse("portal:profile"),
        reverse("portal:contact_request"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("portal:sign_in")), url


def test_another_family_sees_nothing_of_this_one(client, world, booking):
    client.force_login(world.other_family.user)
    for url in family_pages(world, booking):
        assert client.get(url).status_code == 404, url
    client.post(reverse("portal:visit_cancel", args=[booking.reference]))
    booking.refresh_from_db()
    assert booking.status == "booked"
    assert world.prisoner.full_name not in client.get(reverse("portal:home")).text
    assert booking.reference not in client.get(reverse("portal:visits")).text


def test_an_unregistered_user_is_asked_for_a_profile_first(client, world, booking):
    client.force_login(factories.user())
    assert client.get(reverse("portal:visits"))["Location"] == reverse("portal:profile")


def test_a_suspended_contact_can_no_longer_open_the_booking_pages(client, world, booking):
    world.family.contacts.update(status="suspended")
    client.force_login(world.family.user)
    assert client.get(reverse("portal:book", args=[world.prisoner.pk])).status_code == 404
    # ...but still sees its own visit.
    assert client.get(reverse("portal:visit", args=[booking.reference])).status_code == 200
