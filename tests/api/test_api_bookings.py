"""Booking through the API: create, replay, conflicting replay, full slot, read, list, cancel."""

import datetime as dt

import pytest

from apps.audit.models import AuditEvent
from apps.bookings.models import Booking, BookingStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(world):
    return factories.slot(world.facility, days_ahead=3, capacity=1)


def body(world, slot, **changes):
    return {
        "slot_id": slot.pk,
        "prisoner_number": world.prisoner.number,
        "visitor_ids": [world.family.pk],
        "kind": "in_person",
        **changes,
    }


def book(api, token, payload, key="call-0001"):
    return api.post("/bookings", payload, token=token, **{"Idempotency-Key": key})


def test_a_write_token_books_and_gets_the_booking(api, api_token, world, slot):
    response = book(api, api_token(), body(world, slot))
    assert response.status_code == 201, response.content
    data = response.json()
    booking = Booking.objects.get(reference=data["reference"])
    assert data == {
        "reference": booking.reference,
        "status": "booked",
        "kind": "in_person",
        "facility": "tianshan",
        "slot_id": slot.pk,
        "prisoner_number": world.prisoner.number,
        "visitor_ids": [world.family.pk],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "status_reason": "",
    }
    # The token's own system account is the one the audit trail names.
    event = AuditEvent.objects.get(action="booking.create")
    assert event.actor.username.startswith("api-token-")
    assert booking.created_by_id == event.actor_id


def test_a_retry_with_the_same_key_replays_and_books_nothing(api, api_token, world, slot):
    token = api_token()
    first = book(api, token, body(world, slot))
    events = AuditEvent.objects.count()
    again = book(api, token, body(world, slot))
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Booking.objects.count() == 1
    assert AuditEvent.objects.count() == events
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_the_same_key_with_another_body_is_refused(api, api_token, world, slot):
    token = api_token()
    book(api, token, body(world, slot))
    response = book(api, token, body(world, slot, kind="video"))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "idempotency_key_reused"
    assert problem["type"] == "https://visitline.invalid/problems/idempotency_key_reused"
    assert "already used for a different booking" in problem["detail"]
    assert Booking.objects.count() == 1


def test_keys_belong_to_their_token(api, api_token, world, slot):
    """Two systems that happen to pick the same key each get their own booking, and neither a
    replay nor a refusal tells one about the other's."""
    first = book(api, api_token(), body(world, slot), key="shared-key-1")
    other = factories.prisoner(world.facility)
    factories.contact(world.family, other)
    later = factories.slot(world.facility, days_ahead=4, capacity=1)
    second = book(
        api, api_token(), body(world, later, prisoner_number=other.number), key="shared-key-1"
    )
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert first.json()["reference"] != second.json()["reference"]
    assert Booking.objects.count() == 2


def test_a_full_slot_is_a_conflict_and_nothing_is_written(api, api_token, world, slot):
    token = api_token()
    book(api, token, body(world, slot))
    other = factories.prisoner(world.facility)
    visitor = factories.visitor()
    factories.contact(visitor, other)
    response = book(
        api,
        token,
        body(world, slot, prisoner_number=other.number, visitor_ids=[visitor.pk]),
        key="call-0002",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"
    assert response.json()["detail"] == "This time is full. Please choose another."
    assert Booking.objects.count() == 1


def test_a_rule_refusal_is_a_problem_with_the_translated_reason(api, api_token, world, slot):
    stranger = factories.visitor()
    response = api.post(
        "/bookings",
        body(world, slot, visitor_ids=[stranger.pk]),
        token=api_token(),
        **{"Idempotency-Key": "call-0003", "Accept-Language": "zh-hans"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "contact_not_approved"
    assert Booking.objects.count() == 0


def test_the_key_is_required_and_bounded(api, api_token, world, slot):
    token = api_token()
    assert api.post("/bookings", body(world, slot), token=token).status_code == 422
    assert book(api, token, body(world, slot), key="short").status_code == 422
    assert book(api, token, body(world, slot), key="k" * 129).status_code == 422
    assert Booking.objects.count() == 0


def test_read_list_and_cancel(api, api_token, world, slot):
    token = api_token()
    reference = book(api, token, body(world, slot)).json()["reference"]
    read = api.get(f"/bookings/{reference}", token=token)
    assert read.status_code == 200
    assert read.json()["reference"] == reference
    listed = api.get("/bookings", token=token, prisoner_number=world.prisoner.number)
    assert listed.json()["count"] == 1
    assert listed.json()["items"][0]["reference"] == reference
    cancelled = api.post(f"/bookings/{reference}/cancel", {"reason": "Family called"}, token=token)
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == BookingStatus.CANCELLED
    slot.refresh_from_db()
    assert slot.booked_count == 0
    again = api.post(f"/bookings/{reference}/cancel", {"reason": "Twice"}, token=token)
    assert again.status_code == 409
    assert again.json()["code"] == "not_cancellable"


def test_an_unknown_prisoner_number_is_a_problem(api, api_token, world, slot):
    response = book(api, api_token(), body(world, slot, prisoner_number="NOBODY"))
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_prisoner"
    assert Booking.objects.count() == 0


def test_a_wrong_method_or_an_unknown_path_is_a_problem_too(api, api_token, world):
    token = api_token()
    wrong = api.browser.delete("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 405
    assert wrong["Content-Type"] == "application/problem+json"
    assert "POST" in wrong["Allow"]
    unknown = api.get("/nothing/here", token=token)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


def test_a_third_visit_on_one_day_is_a_conflict(api, api_token, world):
    """Three in-person visits for one prisoner on one day were once accepted."""
    token = api_token()
    answers = [
        book(
            api,
            token,
            body(world, factories.slot(world.facility, days_ahead=3, start=dt.time(hour, 0))),
            key=f"call-day-{hour:04d}",
        )
        for hour in (9, 11, 15)
    ]
    assert [a.status_code for a in answers] == [201, 409, 409]
    assert answers[1].json()["code"] == "per_day"
    assert Booking.objects.count() == 1
