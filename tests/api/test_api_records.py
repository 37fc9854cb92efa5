"""Facilities, prisoners, contacts and visits through the API, over the same services as the console."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from apps.bookings.services import booking_create
from apps.facilities.models import Closure
from apps.people.models import Contact, Prisoner
from tests import factories

pytestmark = pytest.mark.django_db


def booked(world, slot, key="records"):
    return booking_create(
        actor=world.officer,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key=key,
    )


def test_a_token_lists_only_its_facility(api, api_token, world):
    response = api.get("/facilities", token=api_token(scope="read"))
    assert response.json() == {
        "items": [
            {
                "code": "tianshan",
                "name": "Tianshan Prison",
                "time_zone": "Asia/Shanghai",
                "booking_mode": "first_come",
            }
        ],
        "count": 1,
    }


def test_the_published_rules_disclose_recording_and_supervision(api, api_token, world):
    factories.slot(world.facility, days_ahead=2, video=True)
    response = api.get("/facilities/tianshan", token=api_token(scope="read"))
    assert response.status_code == 200
    data = response.json()
    assert data["disclosure"] == {
        "video_visits_recorded": True,
        "visits_supervised": True,
        "recording_retention_days": 30,
        "legal_visits_recorded": False,
        "legal_visits_supervised": False,
    }
    assert data["limits"]["max_visitors"] == world.facility.max_visitors
    level = world.prisoner.level
    row = next(a for a in data["allowances"] if a["code"] == level.code)
    assert row["in_person_per_month"]["middle"] == level.in_person_per_month
    assert data["visiting_hours"][0]["kind"] == "video"
    assert data["visiting_hours"][0]["start"] == "09:00"


def test_slots_show_seats_left_and_closures(api, api_token, world):
    open_slot = factories.slot(world.facility, days_ahead=2, capacity=2)
    booked(world, open_slot)
    shut = factories.slot(world.facility, days_ahead=3)
    Closure.objects.create(facility=world.facility, slot=shut, reason="Lockdown drill")
    response = api.get(
        "/facilities/tianshan/slots",
        token=api_token(scope="read"),
        date_from=str(open_slot.date),
        date_to=str(shut.date),
    )
    rows = {row["id"]: row for row in response.json()["items"]}
    assert (rows[open_slot.pk]["booked"], rows[open_slot.pk]["seats_left"]) == (1, 1)
    assert rows[shut.pk]["closed"] and rows[shut.pk]["closure_reason"] == "Lockdown drill"


def test_prisoners_are_listed_and_read_by_number(api, api_token, world):
    token = api_token(scope="read")
    listed = api.get("/prisoners", token=token)
    assert [p["number"] for p in listed.json()["items"]] == [world.prisoner.number]
    read = api.get(f"/prisoners/{world.prisoner.number.lower()}", token=token)
    assert read.status_code == 200
    assert read.json()["level"] == world.prisoner.level.code


def test_a_transfer_cancels_future_visits(api, api_token, world):
    booking = booked(world, factories.slot(world.facility, days_ahead=4))
    response = api.post(
        f"/prisoners/{world.prisoner.number}/transfer",
        {"destination": "Kunlun Prison", "reason": "Moved by the bureau"},
        token=api_token(role="supervisor"),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Prisoner.Status.TRANSFERRED
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.status_reason == "Moved by the bureau"


def test_an_officer_token_may_not_release(api, api_token, world):
    response = api.post(
        f"/prisoners/{world.prisoner.number}/release",
        {"reason": "Served"},
        token=api_token(role="officer"),
    )
    assert response.status_code == 403
    world.prisoner.refresh_from_db()
    assert world.prisoner.is_in_custody


def test_a_release_needs_a_reason(api, api_token, world):
    response = api.post(
        f"/prisoners/{world.prisoner.number}/release",
        {"reason": "  "},
        token=api_token(role="supervisor"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "reason_required"


@pytest.mark.parametrize("released_on", ["0001-01-01", "1900-01-01"])
def test_a_release_dated_out_of_range_is_refused(api, api_token, world, released_on):
    response = api.post(
        f"/prisoners/{world.prisoner.number}/release",
        {"reason": "Sentence served", "released_on": released_on},
        token=api_token(role="supervisor"),
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "released_on_too_old"
    assert "within the last 366 days" in response.json()["detail"]
    world.prisoner.refresh_from_db()
    assert world.prisoner.status == Prisoner.Status.IN_CUSTODY


def test_contacts_are_listed_approved_and_declined(api, api_token, world):
    token = api_token()
    first = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    second = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    pending = api.get("/contacts", token=token, status="pending")
    assert {c["id"] for c in pending.json()["items"]} == {first.pk, second.pk}
    approved = api.post(f"/contacts/{first.pk}/approve", token=token)
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    unexplained = api.post(f"/contacts/{second.pk}/decline", {"reason": ""}, token=token)
    assert unexplained.status_code == 422
    assert [e["type"] for e in unexplained.json()["errors"]] == ["reason_required"]
    assert unexplained.json()["errors"][0]["msg"] == "Write the reason; the family will see it."
    declined = api.post(
        f"/contacts/{second.pk}/decline", {"reason": "Not known to the prisoner"}, token=token
    )
    assert declined.json()["status"] == "rejected"
    twice = api.post(f"/contacts/{first.pk}/approve", token=token)
    assert twice.status_code == 409


def test_a_visit_is_read_and_its_outcome_recorded(api, api_token, world):
    token = api_token()
    booking = booked(world, factories.slot(world.facility, days_ahead=2))
    visit = api.get(f"/visits/{booking.reference}", token=token).json()
    assert (visit["status"], visit["next_states"]) == ("booked", ["no_show"])
    too_early = api.post(f"/visits/{booking.reference}/state", {"status": "no_show"}, token=token)
    assert too_early.status_code == 422
    assert too_early.json()["code"] == "too_early"
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    done = api.post(f"/visits/{booking.reference}/state", {"status": "no_show"}, token=token)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "no_show"
    assert done.json()["next_states"] == []


@pytest.mark.parametrize("path", ["/bookings", "/prisoners", "/contacts", "/facilities"])
def test_a_list_costs_the_same_queries_for_one_row_or_many(
    api, api_token, world, path, django_assert_max_num_queries
):
    token = api_token(scope="read")
    api.get(path, token=token)  # the token's first use is noted once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path, token=token).status_code == 200
        return len(captured)

    booked(world, factories.slot(world.facility, days_ahead=2), key="q-1")
    one = queries()
    for n in range(4):
        prisoner = factories.prisoner(world.facility)
        visitor = factories.visitor()
        factories.contact(visitor, prisoner, status=Contact.Status.PENDING)
        factories.contact(world.family, prisoner)
        booking_create(
            actor=world.officer,
            slot_id=factories.slot(world.facility, days_ahead=3 + n).pk,
            prisoner_id=prisoner.pk,
            visitor_ids=[world.family.pk],
            kind="in_person",
            idempotency_key=f"q-{n + 2}",
        )
    assert queries() == one
    with django_assert_max_num_queries(6):
        api.get(path, token=token)
