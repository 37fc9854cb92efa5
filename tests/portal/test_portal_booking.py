"""The family books, sees, downloads and cancels visits through the portal."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from apps.bookings.models import Booking, BookingStatus
from apps.facilities.models import Closure, Slot
from apps.people.models import Contact
from tests import factories


@pytest.fixture
def family(client, world):
    client.force_login(world.family.user)
    return client


def book_url(world, kind="in_person", day=None):
    url = reverse("portal:book", args=[world.prisoner.pk]) + f"?kind={kind}"
    return url + (f"&date={day.isoformat()}" if day else "")


def request_key(response):
    return re.search(r'name="request_key" value="([0-9a-f]+)"', response.text).group(1)


def test_home_lists_who_the_family_can_visit_and_its_requests(family, world):
    pending = factories.prisoner(world.facility, full_name="Pending Person")
    factories.contact(world.family, pending, status=Contact.Status.PENDING)
    response = family.get(reverse("portal:home"))
    assert world.prisoner.full_name in response.text
    assert "Pending Person" in response.text and "Waiting for approval" in response.text


def test_the_calendar_shows_dates_with_room_and_the_allowance_left(
    family, world, django_assert_max_num_queries
):
    slot = factories.slot(world.facility, days_ahead=3, capacity=4)
    factories.slot(world.facility, days_ahead=4, capacity=1).__class__.objects.filter(
        date=world.facility.local_today() + dt.timedelta(days=4)
    ).update(booked_count=1)
    with django_assert_max_num_queries(15):
        response = family.get(book_url(world))
    assert response.status_code == 200
    assert f"date={slot.date.isoformat()}" in response.text
    assert "4 places" in response.text
    assert "2 in-person visits left in" in response.text
    assert "Asia/Shanghai" in response.text


def test_a_date_lists_its_times_with_reasons_and_htmx_gets_only_the_times(family, world):
    open_slot = factories.slot(world.facility, days_ahead=3, start=dt.time(9, 0), capacity=2)
    full = factories.slot(world.facility, days_ahead=3, start=dt.time(14, 0), capacity=1)
    Slot.objects.filter(pk=full.pk).update(booked_count=1)
    response = family.get(book_url(world, day=open_slot.date))
    assert "09:00" in response.text and "14:00" in response.text
    assert "Full." in response.text
    assert reverse("portal:book_confirm", args=[world.prisoner.pk, open_slot.pk]) in response.text
    partial = family.get(book_url(world, day=open_slot.date), headers={"HX-Request": "true"})
    assert "<html" not in partial.text and "09:00" in partial.text


def test_a_closed_time_says_so(family, world):
    slot = factories.slot(world.facility, days_ahead=3)
    Closure.objects.create(facility=world.facility, slot=slot, reason="Repairs")
    response = family.get(book_url(world, day=slot.date))
    assert "closed this time" in response.text


def test_booking_confirms_with_the_reference_and_a_double_submit_books_once(family, world):
    slot = factories.slot(world.facility, days_ahead=3)
    url = reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])
    form = family.get(url)
    assert "recorded" in form.text or "supervises" in form.text  # disclosed before booking
    data = {"visitors": [world.family.pk], "request_key": request_key(form)}
    first = family.post(url, data)
    again = family.post(url, data)  # double tap, or the back button and resubmit
    booking = Booking.objects.get()
    assert (
        first["Location"] == again["Location"] == reverse("portal:visit", args=[booking.reference])
    )
    page = family.get(first["Location"])
    assert f"{booking.reference[:4]}-{booking.reference[4:]}" in page.text
    assert "identity document" in page.text  # what to bring
    assert Slot.objects.get(pk=slot.pk).booked_count == 1


def test_a_time_that_filled_meanwhile_gives_a_message_and_fresh_choices(family, world):
    slot = factories.slot(world.facility, days_ahead=3, capacity=1)
    url = reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])
    key = request_key(family.get(url))
    Slot.objects.filter(pk=slot.pk).update(booked_count=1)  # another family was quicker
    response = family.post(url, {"visitors": [world.family.pk], "request_key": key}, follow=True)
    assert response.status_code == 200
    assert "This time is full" in response.text
    assert "Times on" in response.text  # back on the date's times
    assert not Booking.objects.exists()


def test_a_refused_party_explains_itself_on_the_form(family, world):
    child = factories.visitor(born=dt.date(2018, 3, 1), with_user=False, registered_by=world.family)
    factories.contact(child, world.prisoner, relationship="child")
    slot = factories.slot(world.facility, days_ahead=3)
    url = reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])
    key = request_key(family.get(url))
    response = family.post(url, {"visitors": [child.pk], "request_key": key})
    assert response.status_code == 200
    assert "Children must come with an adult" in response.text
    assert not Booking.objects.exists()


def test_the_form_names_only_the_familys_own_people(family, world):
    """Another approved visitor of the prisoner (a new partner) is never named to this family."""
    partner = factories.visitor(full_name="Gulnar Hasan")
    factories.contact(partner, world.prisoner, relationship="spouse")
    child = factories.visitor(born=dt.date(2018, 3, 1), with_user=False, registered_by=world.family)
    factories.contact(child, world.prisoner, relationship="child")
    slot = factories.slot(world.facility, days_ahead=3)
    page = family.get(reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk]))
    assert child.full_name in page.text and world.family.full_name in page.text
    assert "Gulnar Hasan" not in page.text
    key = request_key(page)
    url = reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])
    family.post(url, {"visitors": [world.family.pk, partner.pk], "request_key": key})
    assert not Booking.objects.exists()


def test_the_party_can_only_be_chosen_from_the_prisoners_approved_family(family, world):
    slot = factories.slot(world.facility, days_ahead=3)
    url = reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])
    key = request_key(family.get(url))
    response = family.post(url, {"visitors": [world.other_family.pk], "request_key": key})
    assert response.status_code == 200
    assert not Booking.objects.exists()


def test_the_calendar_file_holds_the_visit(family, world):
    slot = factories.slot(world.facility, days_ahead=3)
    url = reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])
    family.post(url, {"visitors": [world.family.pk], "request_key": request_key(family.get(url))})
    booking = Booking.objects.get()
    response = family.get(reverse("portal:visit_ics", args=[booking.reference]))
    assert response["Content-Type"].startswith("text/calendar")
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    assert event.decoded("dtstart") == slot.starts_at
    assert event.decoded("dtend") == slot.ends_at
    assert booking.reference[:4] in str(event.get("description"))


def test_my_visits_and_cancelling(family, world):
    slot = factories.slot(world.facility, days_ahead=3)
    url = reverse("portal:book_confirm", args=[world.prisoner.pk, slot.pk])
    family.post(url, {"visitors": [world.family.pk], "request_key": request_key(family.get(url))})
    booking = Booking.objects.get()
    listing = family.get(reverse("portal:visits"))
    assert reverse("portal:visit", args=[booking.reference]) in listing.text
    assert family.get(reverse("portal:visit_cancel", args=[booking.reference])).status_code == 200
    family.post(reverse("portal:visit_cancel", args=[booking.reference]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked_count == 0
    again = family.post(reverse("portal:visit_cancel", args=[booking.reference]), follow=True)
    assert "Only a booked visit" in again.text


def test_asking_to_visit_needs_the_number_and_the_name(family, world):
    target = factories.prisoner(world.facility, number="P7654321", full_name="艾力·买买提")
    url = reverse("portal:contact_request")
    base = {"facility": world.facility.pk, "relationship": "sibling"}
    wrong_name = family.post(url, base | {"prisoner_number": "P7654321", "prisoner_name": "王伟"})
    wrong_number = family.post(
        url, base | {"prisoner_number": "P0000000", "prisoner_name": "艾力·买买提"}
    )
    assert "No prisoner with this number and name" in wrong_name.text
    assert "No prisoner with this number and name" in wrong_number.text
    assert not Contact.objects.filter(prisoner=target).exists()
    ok = family.post(
        url, base | {"prisoner_number": "p7654321", "prisoner_name": " 艾力 · 买买提 "}
    )
    assert ok.status_code == 302
    assert Contact.objects.get(prisoner=target).status == Contact.Status.PENDING


def test_a_number_typed_full_width_finds_the_prisoner(family, world):
    target = factories.prisoner(world.facility, number="H3FW1", full_name="Ablimit Rozi")
    response = family.post(
        reverse("portal:contact_request"),
        {
            "facility": world.facility.pk,
            "relationship": "sibling",
            "prisoner_number": "ｈ３ｆｗ１",  # a Chinese input method's full width
            "prisoner_name": "Ablimit Rozi",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.get(prisoner=target).status == Contact.Status.PENDING


def test_number_fishing_is_rate_limited(family, world):
    url = reverse("portal:contact_request")
    for n in range(10):
        family.post(
            url,
            {
                "facility": world.facility.pk,
                "relationship": "sibling",
                "prisoner_number": f"X{n}",
                "prisoner_name": "x",
            },
        )
    response = family.post(
        url,
        {
            "facility": world.facility.pk,
            "relationship": "sibling",
            "prisoner_number": world.prisoner.number,
            "prisoner_name": world.prisoner.full_name,
        },
    )
    assert "Too many tries" in response.text


def test_switching_language_is_remembered_for_messages(family, world):
    family.post(reverse("set_language"), {"language": "ug", "next": "/family/"})
    world.family.refresh_from_db()
    assert world.family.preferred_language == "ug"
    assert 'dir="rtl"' in family.get(reverse("portal:home")).text
