"""Reads scoped to a caller: everything of a facility the caller has no part in is simply absent.

Handlers call these instead of looking rows up by a request's id, so a
token of one facility gets 404 for anything of another, whatever the path.
"""

import datetime as dt

from django.db.models import QuerySet

from apps.api.auth import Principal
from apps.bookings.models import Booking
from apps.facilities.models import Facility, Slot
from apps.people.models import Contact, Prisoner
from lib.numbers import normalize_prisoner_number
from lib.references import normalize_reference


def facilities_of(who: Principal) -> QuerySet[Facility]:
    return Facility.objects.filter(pk__in=who.facility_ids).order_by("code")


def facility_of(who: Principal, code: str | None) -> Facility | None:
    """The facility named by code; with no code, the caller's only facility (None if several)."""
    facilities = facilities_of(who)
    if code:
        return facilities.filter(code=code).first()
    return facilities.first() if len(who.facility_ids) == 1 else None


def slot_place(who: Principal, slot_id: int) -> tuple[int, str] | None:
    """(facility id, facility code) of a slot the caller may book, or None."""
    row = (
        Slot.objects.filter(pk=slot_id, facility_id__in=who.facility_ids)
        .values_list("facility_id", "facility__code")
        .first()
    )
    return (row[0], row[1]) if row else None


def _numbered(facility_id: int, number: str) -> QuerySet[Prisoner]:
    return Prisoner.objects.filter(
        facility_id=facility_id, number=normalize_prisoner_number(number)
    )


def prisoner_by_number(facility_id: int, number: str) -> Prisoner | None:
    return _numbered(facility_id, number).select_related("facility", "level").first()


def prisoner_key(facility_id: int, number: str) -> tuple[int, str] | None:
    """(id, number) of a prisoner, for the booking path, which needs no more of the row."""
    return _numbered(facility_id, number).values_list("pk", "number").first()


def bookings_of(
    who: Principal,
    *,
    facility_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str | None = None,
    prisoner_number: str | None = None,
) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(facility_id__in=who.facility_ids)
    if facility_id is not None:
        bookings = bookings.filter(facility_id=facility_id)
    if date_from is not None:
        bookings = bookings.filter(slot__date__gte=date_from)
    if date_to is not None:
        bookings = bookings.filter(slot__date__lte=date_to)
    if status:
        bookings = bookings.filter(status=status)
    if prisoner_number:
        bookings = bookings.filter(prisoner__number=normalize_prisoner_number(prisoner_number))
    return (
        bookings.select_related("facility", "prisoner")
        .prefetch_related("party")
        .order_by("starts_at", "pk")
    )


def booking_of(who: Principal, reference: str) -> Booking | None:
    return bookings_of(who).filter(reference=normalize_reference(reference)).first()


def contacts_of(
    who: Principal, *, facility_id: int, status: str | None, prisoner_number: str | None
) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(
        prisoner__facility_id=facility_id, prisoner__facility_id__in=who.facility_ids
    )
    if status:
        contacts = contacts.filter(status=status)
    if prisoner_number:
        contacts = contacts.filter(prisoner__number=normalize_prisoner_number(prisoner_number))
    return contacts.select_related("prisoner", "visitor").order_by("-created_at", "-pk")


def contact_of(who: Principal, contact_id: int) -> Contact | None:
    return (
        Contact.objects.filter(pk=contact_id, prisoner__facility_id__in=who.facility_ids)
        .select_related("prisoner__facility", "visitor")
        .first()
    )
