"""Public pages answer in the visitor's language, right to left for Uyghur, with live data."""

import pytest
from django.urls import reverse

from apps.bookings.models import Booking
from tests import factories


def test_home_lists_the_facilities(client, world):
    response = client.get("/")
    assert response.status_code == 200
    assert "Tianshan Prison" in response.text and "Kunlun Prison" in response.text


@pytest.mark.parametrize(
    ("language", "direction"), [("ug", "rtl"), ("en", "ltr"), ("zh-hans", "ltr")]
)
def test_the_page_declares_its_language_and_direction(client, world, language, direction):
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get("/")
    assert f'<html lang="{language}" dir="{direction}">' in response.text


def test_facility_page_shows_open_times_with_places_left_in_local_time(
    client, world, django_assert_max_num_queries
):
    slot = factories.slot(world.facility, capacity=4)
    slot.booked_count = 3
    slot.save(update_fields=["booked_count"])
    factories.slot(world.facility, days_ahead=4, video=True)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    with django_assert_max_num_queries(6):
        response = client.get(reverse("public:facility", args=[world.facility.code]))
    assert response.status_code == 200
    assert "09:00–09:45" in response.text  # local time, not UTC (01:00)
    assert "1 place left" in response.text
    assert "Asia/Shanghai" in response.text
    assert Booking.objects.count() == 0


def test_unknown_facility_is_not_found(client, db):
    assert client.get("/facilities/nowhere/").status_code == 404


def test_health_check(client, db):
    assert client.get("/healthz").json()["status"] == "ok"
