"""The bookings of the integration API: book with an idempotency key, read, list, cancel."""

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from apps.api import selectors
from apps.api.auth import READ, WRITE, principal
from apps.api.pagination import Mapped, Page
from apps.api.problems import problem
from apps.api.schemas import (
    IDEMPOTENCY_PATTERN,
    PROBLEMS,
    REFERENCE_PATTERN,
    Id,
    IsoDate,
    Reason,
    Text,
)
from apps.bookings.models import TRANSITIONS, Booking
from apps.bookings.services import booking_cancel, booking_create_or_replay, booking_transition

router = Router(tags=["bookings"], auth=READ)

Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN)]
PrisonerNumber = Annotated[Text, Field(min_length=1, max_length=30)]
Kind = Literal["in_person", "video", "legal"]
BookingState = Literal[
    "booked", "cancelled", "checked_in", "in_progress", "completed", "no_show", "ended_early"
]


class BookingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    slot_id: Id
    prisoner_number: PrisonerNumber
    visitor_ids: list[Id] = Field(min_length=1, max_length=20)
    kind: Kind


class BookingOut(Schema):
    reference: str
    status: str
    kind: str
    facility: str
    slot_id: int
    prisoner_number: str
    visitor_ids: list[int]
    starts_at: dt.datetime
    ends_at: dt.datetime
    status_reason: str = ""


class CancelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = ""


class BookingFilters(Schema):
    facility: Annotated[Text, Field(max_length=40)] | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    status: BookingState | None = None
    prisoner_number: PrisonerNumber | None = None


def booking_out(
    booking: Booking,
    *,
    facility: str | None = None,
    prisoner_number: str | None = None,
    visitor_ids: list[int] | None = None,
) -> BookingOut:
    """The booking as JSON; what the caller already knows saves a query each."""
    return BookingOut(
        reference=booking.reference,
        status=booking.status,
        kind=booking.kind,
        facility=facility or booking.facility.code,
        slot_id=booking.slot_id,
        prisoner_number=prisoner_number or booking.prisoner.number,
        visitor_ids=visitor_ids or sorted(p.visitor_id for p in booking.party.all()),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        status_reason=booking.status_reason,
    )


@router.post(
    "/bookings",
    auth=WRITE,
    response={200: BookingOut, 201: BookingOut, **PROBLEMS},
    summary="Book a visit",
    # ninja keys responses by int: a "200" string would be a second, duplicate key in the JSON.
    openapi_extra={
        "responses": {
            200: {
                "description": "A retry: the booking this key already made",
                "headers": {
                    "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}
                },
            }
        }
    },
)
def create(
    request: HttpRequest,
    response: HttpResponse,
    body: BookingIn,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_PATTERN)],
) -> Status[BookingOut] | HttpResponse:
    """Book a seat. Retrying with the same Idempotency-Key and body returns the first booking
    (200, `Idempotent-Replayed: true`) and books nothing twice; the same key with another body
    is refused."""
    who = principal(request)
    place = selectors.slot_place(who, body.slot_id)
    if place is None:
        raise Http404
    facility_id, facility_code = place
    prisoner = selectors.prisoner_key(facility_id, body.prisoner_number)
    if prisoner is None:
        return problem(422, "unknown_prisoner", _("This prisoner is not known."))
    booking, replay = booking_create_or_replay(
        actor=who.user,
        slot_id=body.slot_id,
        prisoner_id=prisoner[0],
        visitor_ids=body.visitor_ids,
        kind=body.kind,
        idempotency_key=idempotency_key,
    )
    if replay:
        response["Idempotent-Replayed"] = "true"
    out = booking_out(
        booking,
        facility=facility_code,
        prisoner_number=prisoner[1],
        # The key's fingerprint covers the set of visitors, so a replay had this same party.
        visitor_ids=sorted(set(body.visitor_ids)),
    )
    return Status(200 if replay else 201, out)


@router.get("/bookings", response={200: list[BookingOut], **PROBLEMS}, summary="List bookings")
@paginate(Page)
def booking_list(request: HttpRequest, filters: Query[BookingFilters]) -> Mapped:
    who = principal(request)
    facility_id = None
    if filters.facility:
        facility = selectors.facility_of(who, filters.facility)
        if facility is None:
            raise Http404
        facility_id = facility.pk
    bookings = selectors.bookings_of(
        who,
        facility_id=facility_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        status=filters.status,
        prisoner_number=filters.prisoner_number,
    )
    return Mapped(bookings, booking_out)


def _booking(request: HttpRequest, reference: str) -> Booking:
    """The caller's booking with this reference; 404 for anyone else's, as for none at all."""
    booking = selectors.booking_of(principal(request), reference)
    if booking is None:
        raise Http404
    return booking


@router.get(
    "/bookings/{reference}", response={200: BookingOut, **PROBLEMS}, summary="Read a booking"
)
def detail(request: HttpRequest, reference: Reference) -> BookingOut:
    return booking_out(_booking(request, reference))


@router.post(
    "/bookings/{reference}/cancel",
    auth=WRITE,
    response={200: BookingOut, **PROBLEMS},
    summary="Cancel a booking",
)
def cancel(request: HttpRequest, reference: Reference, body: CancelIn) -> BookingOut:
    """Cancel a visit that has not begun; its seat and allowance are given back."""
    booking = _booking(request, reference)
    booking = booking_cancel(actor=principal(request).user, booking=booking, reason=body.reason)
    return booking_out(booking)


# Visits: what happened at a booked time. Check-in is by identity at the
# visit hall's desk, so the API reads states and records only the outcomes a
# records system knows afterwards.
API_TRANSITIONS = ("no_show", "completed")


class VisitOut(BookingOut):
    status_changed_at: dt.datetime | None
    next_states: list[str]  # what POST /visits/{reference}/state accepts now


class VisitStateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal["no_show", "completed"]
    reason: Reason = ""


def visit_out(booking: Booking) -> VisitOut:
    return VisitOut(
        **booking_out(booking).model_dump(),
        status_changed_at=booking.status_changed_at,
        next_states=[s for s in API_TRANSITIONS if s in TRANSITIONS.get(booking.status, ())],
    )


@router.get(
    "/visits/{reference}",
    response={200: VisitOut, **PROBLEMS},
    tags=["visits"],
    summary="A visit's state",
)
def visit(request: HttpRequest, reference: Reference) -> VisitOut:
    return visit_out(_booking(request, reference))


@router.post(
    "/visits/{reference}/state",
    auth=WRITE,
    response={200: VisitOut, **PROBLEMS},
    tags=["visits"],
    summary="Record that the visitors did not come, or that the visit was completed",
)
def visit_state(request: HttpRequest, reference: Reference, body: VisitStateIn) -> VisitOut:
    booking = _booking(request, reference)
    booking_transition(
        actor=principal(request).user, booking=booking, status=body.status, reason=body.reason
    )
    return visit_out(_booking(request, reference))
