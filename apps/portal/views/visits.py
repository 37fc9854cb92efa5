"""A family's visits: the list, one visit (the booking confirmation), its calendar file, cancelling."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from apps.bookings.selectors import visit_of, visits_of
from apps.bookings.services import booking_cancel
from apps.notifications.calendar import booking_ics
from apps.people.models import Visitor
from apps.portal.decorators import FamilyRequest, family_required


def _visit(visitor: Visitor, reference: str) -> Booking:
    booking = visit_of(visitor, reference)
    if booking is None:
        raise Http404
    return booking


@family_required
def visit_list(request: FamilyRequest, visitor: Visitor) -> HttpResponse:
    visits = list(visits_of(visitor).order_by("-starts_at"))
    now = timezone.now()
    upcoming = [b for b in reversed(visits) if b.status in ACTIVE_STATUSES and b.ends_at > now]
    past = [b for b in visits if b not in upcoming]
    return render(request, "portal/visits.html", {"upcoming": upcoming, "past": past})


@family_required
def visit_detail(request: FamilyRequest, visitor: Visitor, reference: str) -> HttpResponse:
    booking = _visit(visitor, reference)
    return render(
        request,
        "portal/visit.html",
        {
            "booking": booking,
            "facility": booking.facility,
            "can_cancel": booking.status == BookingStatus.BOOKED
            and booking.starts_at > timezone.now(),
        },
    )


@family_required
def visit_ics(request: FamilyRequest, visitor: Visitor, reference: str) -> HttpResponse:
    booking = _visit(visitor, reference)
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="visit-{booking.reference}.ics"'
    return response


@family_required
def visit_cancel(request: FamilyRequest, visitor: Visitor, reference: str) -> HttpResponse:
    booking = _visit(visitor, reference)
    if request.method == "POST":
        try:
            booking_cancel(
                actor=request.user, booking=booking, reason=str(_("Cancelled by the family"))
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request, _("The visit is cancelled and the visit is given back to the allowance.")
            )
        return redirect("portal:visit", reference=booking.reference)
    return render(request, "portal/visit_cancel.html", {"booking": booking})
