"""The family's waitlist pages: join from a full date, accept a held seat, leave; wrong people refused."""

import pytest
from django.urls import reverse

from apps.bookings.services import booking_cancel
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.services import waitlist_offer_seats
from tests import factories
from tests.waitlist.test_waitlist import full_slot, join

Status = WaitlistEntry.Status


@pytest.fixture
def full(world):
    slot, (taken,) = full_slot(world)
    return slot, taken


def join_url(world, slot):
    return (
        reverse("portal:waitlist_join", args=[world.prisoner.pk])
        + f"?kind=in_person&date={slot.date.isoformat()}"
    )


def test_a_family_joins_from_a_full_date_and_accepts_the_held_seat(world, client, full):
    slot, taken = full
    client.force_login(world.family.user)
    calendar = client.get(reverse("portal:book", args=[world.prisoner.pk]) + "?kind=in_person")
    assert "Join the waitlist" in calendar.text
    assert "is full. Wait for a seat?" in client.get(join_url(world, slot)).text
    response = client.post(
        join_url(world, slot), {"kind": "in_person", "date": slot.date.isoformat()}
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(visitor=world.family)
    booking_cancel(actor=taken.created_by, booking=taken)
    waitlist_offer_seats()
    page = client.get(reverse("portal:waitlist"))
    assert "Accept the seat" in page.text
    accepted = client.post(reverse("portal:waitlist_accept", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == Status.ACCEPTED
    assert accepted.url == reverse("portal:visit", args=[entry.booking.reference])


def test_a_family_can_leave_the_waitlist(world, client, full):
    slot, _taken = full
    entry = join(world.family, world.prisoner, slot)
    client.force_login(world.family.user)
    client.post(reverse("portal:waitlist_leave", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == Status.WITHDRAWN


def test_the_pages_need_a_signed_in_family(world, client, full):
    slot, _taken = full
    entry = join(world.family, world.prisoner, slot)
    pages = [
        ("get", reverse("portal:waitlist")),
        ("get", join_url(world, slot)),
        ("post", join_url(world, slot)),
        ("post", reverse("portal:waitlist_accept", args=[entry.pk])),
        ("post", reverse("portal:waitlist_leave", args=[entry.pk])),
    ]
    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert reverse("portal:sign_in") in response.url


def test_another_family_cannot_touch_an_entry_or_wait_for_a_stranger(world, client, full):
    slot, _taken = full
    entry = join(world.family, world.prisoner, slot)
    client.force_login(world.other_family.user)
    assert client.post(reverse("portal:waitlist_accept", args=[entry.pk])).status_code == 404
    assert client.post(reverse("portal:waitlist_leave", args=[entry.pk])).status_code == 404
    assert client.get(join_url(world, slot)).status_code == 404
    assert client.post(join_url(world, slot), {"kind": "in_person"}).status_code == 404
    assert "Ayshem" not in client.get(reverse("portal:waitlist")).text
    entry.refresh_from_db()
    assert entry.status == Status.WAITING


def test_staff_without_a_family_profile_are_sent_to_make_one(world, client, full):
    client.force_login(world.officer)
    response = client.get(reverse("portal:waitlist"))
    assert (response.status_code, response.url) == (302, reverse("portal:profile"))


def test_accept_and_leave_refuse_get(world, client, full):
    slot, _taken = full
    entry = join(world.family, world.prisoner, slot)
    client.force_login(world.family.user)
    assert client.get(reverse("portal:waitlist_accept", args=[entry.pk])).status_code == 405
    assert client.get(reverse("portal:waitlist_leave", args=[entry.pk])).status_code == 405


def test_an_unknown_prisoner_or_bad_date_is_not_found(world, client):
    client.force_login(world.family.user)
    stranger = factories.prisoner(world.facility)
    assert client.get(reverse("portal:waitlist_join", args=[stranger.pk])).status_code == 404
    bad = reverse("portal:waitlist_join", args=[world.prisoner.pk]) + "?kind=legal&date=x"
    assert client.get(bad).status_code == 404


def test_a_date_with_free_places_or_no_visits_cannot_be_waited_for(world, client):
    open_slot = factories.slot(world.facility, capacity=2, days_ahead=4)
    client.force_login(world.family.user)
    response = client.get(join_url(world, open_slot))
    assert response.status_code == 302
    assert "book one instead" in client.get(response.url).text
    empty = reverse("portal:waitlist_join", args=[world.prisoner.pk]) + (
        f"?kind=video&date={open_slot.date.isoformat()}"
    )
    client.get(empty)
    assert "no visits of this kind" in client.get(reverse("portal:waitlist")).text
    assert not WaitlistEntry.objects.exists()
