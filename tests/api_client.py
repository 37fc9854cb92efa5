"""A small JSON client of the integration API for the tests."""

import json
from typing import Any

from django.test import Client

PREFIX = "/api/v1"


class ApiClient:
    def __init__(self, language: str = "en") -> None:
        self.browser = Client(headers={"accept-language": language})

    def _headers(self, token: str | None, headers: dict[str, str]) -> dict[str, str]:
        if token is not None:
            headers = {"Authorization": f"Bearer {token}", **headers}
        return headers

    def get(self, path: str, token: str | None = None, **params: Any):
        headers = params.pop("headers", {})
        return self.browser.get(PREFIX + path, params, headers=self._headers(token, headers))

    def post(self, path: str, body: Any = None, token: str | None = None, **headers: str):
        raw = body if isinstance(body, str | bytes) else json.dumps({} if body is None else body)
        return self.browser.post(
            PREFIX + path,
            raw,
            content_type="application/json",
            headers=self._headers(token, headers),
        )


def seed_records(world: Any) -> dict[str, Any]:
    """One of each record an operation acts on, all of ``world.facility``: a booked visit, a
    visit that has begun (its outcome may be recorded), a free seat, a pending contact."""
    import datetime as dt

    from django.utils import timezone

    from apps.bookings.models import Booking
    from apps.bookings.services import booking_create
    from apps.people.models import Contact
    from tests import factories

    def booked(days_ahead: int, key: str) -> Booking:
        return booking_create(
            actor=world.officer,
            slot_id=factories.slot(world.facility, days_ahead=days_ahead, capacity=3).pk,
            prisoner_id=world.prisoner.pk,
            visitor_ids=[world.family.pk],
            kind="in_person",
            idempotency_key=key,
        )

    # Room in the month for the two seeded visits and the one a write operation books.
    type(world.prisoner.level).objects.filter(pk=world.prisoner.level_id).update(
        in_person_per_month=3
    )
    booking, started = booked(3, "seed-booked"), booked(2, "seed-started")
    now = timezone.now()
    Booking.objects.filter(pk=started.pk).update(
        starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1)
    )
    pending = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    return {
        "code": world.facility.code,
        "reference": booking.reference,
        "started": started.reference,
        "number": world.prisoner.number,
        "contact_id": pending.pk,
        "slot_id": factories.slot(world.facility, days_ahead=4, capacity=3).pk,
        "visitor_id": world.family.pk,
        "level": world.prisoner.level.code,
    }


def path_values(template: str, records: dict[str, Any]) -> dict[str, Any]:
    """The seeded records by the names of the path's parameters; a visit's outcome is recorded
    on the visit that has begun."""
    visit = template.startswith("/visits/")
    return {**records, "reference": records["started" if visit else "reference"]}


def valid_request(template: str, records: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The path and body that do an operation (a path of the OpenAPI document, without
    /api/v1) on the seeded records, as a records system or a call centre would send them."""
    path = template.format(**path_values(template, records))
    bodies: dict[str, Any] = {
        "/bookings": {
            "slot_id": records["slot_id"],
            "prisoner_number": records["number"],
            "visitor_ids": [records["visitor_id"]],
            "kind": "in_person",
        },
        "/bookings/{reference}/cancel": {"reason": "Asked by the family"},
        "/visits/{reference}/state": {"status": "no_show"},
        "/prisoners/roster": {
            "prisoners": [
                {
                    "number": "NEW0001",
                    "full_name": "New Arrival",
                    "level": records["level"],
                    "legal_status": "remand",
                }
            ]
        },
        "/prisoners/{number}/transfer": {"destination": "Kunlun", "reason": "Moved"},
        "/prisoners/{number}/release": {"reason": "Sentence served"},
        "/contacts/{contact_id}/decline": {"reason": "Not known to the prisoner"},
    }
    return path, bodies.get(template, {})
