"""The bookings a change elsewhere cancels: the answers to the hooks of people and facilities.

A lower layer (a closure, a capacity cut, a release, a restriction) asks
through its hooks.py; each answer here picks the bookings the change hits and
cancels every one through booking_cancel, so its seat and allowance come back
and its family is told: none is lost silently.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.bookings import hooks
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.selectors import bookings_cut_by, bookings_to_cancel
from apps.bookings.services.lifecycle import booking_cancel
from apps.facilities.models import Closure, Slot
from apps.people.models import Contact, Restriction
from apps.policy.kinds import VisitKind


def _cancelled(actor: User, bookings: Iterable[Booking], reason: str, **options: bool) -> list[str]:
    return [
        booking_cancel(actor=actor, booking=b, reason=reason, **options).reference for b in bookings
    ]


def future_visits_cancel(
    *, actor: User, prisoner_ids: Iterable[int], reason: str, visitor_id: int | None = None
) -> list[str]:
    return _cancelled(
        actor, bookings_to_cancel(prisoner_ids=prisoner_ids, visitor_id=visitor_id), reason
    )


def restricted_visits_cancel(
    *, actor: User, restriction: Restriction, contacts: list[Contact]
) -> list[str]:
    start = max(restriction.starts_at, timezone.now())
    hit = Booking.objects.none()
    for contact in contacts:
        hit = hit | Booking.objects.filter(
            prisoner_id=contact.prisoner_id,
            party__visitor_id=contact.visitor_id,
            status=BookingStatus.BOOKED,
            starts_at__gte=start,
            starts_at__lt=restriction.ends_at,
        )
    if restriction.kind == Restriction.Kind.NO_VIDEO:
        hit = hit.filter(kind=VisitKind.VIDEO)
    elif restriction.kind == Restriction.Kind.CLOSED_ONLY:
        hit = hit.filter(kind=VisitKind.IN_PERSON, slot__room__is_closed=False)
    reason = str(
        _("Cancelled: a visitor in the party is restricted (%(kind)s) at this time.")
        % {"kind": restriction.get_kind_display()}
    )
    return _cancelled(actor, hit.distinct(), reason)


def closed_visits_cancel(*, actor: User, closure: Closure) -> list[str]:
    day = closure.slot.date if closure.slot is not None else closure.date
    assert day is not None  # a closure names a date or a slot (check constraint)
    hit = Booking.objects.filter(
        status=BookingStatus.BOOKED, facility_id=closure.facility_id, slot__date=day
    )
    if closure.slot_id is not None:
        hit = hit.filter(slot_id=closure.slot_id)
    return _cancelled(actor, hit, closure.reason, closure=True)


def seats_cut(*, actor: User, slot: Slot, capacity: int, reason: str) -> list[str]:
    if capacity < slot.booked_count and hooks.seat_holds_return(slot=slot):
        slot.refresh_from_db()  # seats held for the waitlist give way before bookings
    cut = bookings_cut_by(slot, capacity)
    if slot.booked_count - len(cut) > capacity:
        raise ValidationError(
            _(
                "Visitors are already checked in at this time: the capacity cannot be below %(count)d."
            ),
            code="capacity_below_checked_in",
            params={"count": slot.booked_count - len(cut)},
        )
    return _cancelled(actor, cut, reason)


def slots_with_visits(*, slot_ids: Iterable[int]) -> tuple[set[int], bool]:
    bookings = Booking.objects.filter(slot_id__in=list(slot_ids))
    referred = set(bookings.values_list("slot_id", flat=True))
    return referred, bookings.filter(status=BookingStatus.BOOKED).exists()
