"""The visit hall's day: in-person visits by time and room, check-in against documents, outcomes."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.bookings.models import Booking, BookingStatus
from apps.bookings.selectors import hall_day, hall_visit
from apps.bookings.services import booking_check_in, booking_transition
from apps.console.decorators import StaffRequest, staff_view
from apps.console.forms_hall import CheckInForm, DayForm, EndEarlyForm, StatusForm


def _day(request: StaffRequest) -> tuple[DayForm, dt.date]:
    """The date asked for, or today in the facility's zone (an unreadable date says so)."""
    today = request.facility.local_today()
    form = DayForm(request.GET or None, initial={"date": today})
    if form.is_bound and form.is_valid() and form.cleaned_data["date"]:
        return form, form.cleaned_data["date"]
    return form, today


def _day_context(request: StaffRequest) -> dict[str, object]:
    form, day = _day(request)
    return {
        "form": form,
        "day": day,
        "today": request.facility.local_today(),
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "sessions": hall_day(facility=request.facility, day=day),
    }


@staff_view("visit_hall")
def day(request: StaffRequest) -> HttpResponse:
    return render(request, "console/hall/day.html", _day_context(request))


@staff_view("visit_hall")
def print_day(request: StaffRequest) -> HttpResponse:
    return render(request, "console/hall/print.html", _day_context(request))


def _visit(request: StaffRequest, reference: str) -> Booking:
    booking = hall_visit(facility=request.facility, reference=reference)
    if booking is None:
        raise Http404
    return booking


def _back_to_day(request: StaffRequest, booking: Booking) -> HttpResponse:
    url = reverse("console:hall", args=[request.facility.code])
    return redirect(
        f"{url}?{urlencode({'date': booking.slot.date.isoformat()})}#{booking.reference}"
    )


@staff_view("visit_hall")
def check_in(request: StaffRequest, reference: str) -> HttpResponse:
    booking = _visit(request, reference)
    party = list(booking.visitors.order_by("full_name", "pk"))
    form = CheckInForm(request.POST or None, party=party)
    if request.method == "POST" and form.is_valid():
        try:
            booking_check_in(actor=request.user, booking=booking, documents=form.documents())
        except ValidationError as exc:
            _attach_to_visitors(form, exc)
        else:
            messages.success(
                request, _("Visit %(reference)s is checked in.") % {"reference": reference}
            )
            return _back_to_day(request, booking)
    return render(
        request,
        "console/hall/check_in.html",
        {"booking": booking, "party": party, "form": form},
    )


def _attach_to_visitors(form: CheckInForm, error: ValidationError) -> None:
    """Each refusal beside the visitor it names; anything else above the form."""
    for item in error.error_list:
        visitor_id = (item.params or {}).get("visitor")
        name = form.field_name(visitor_id) if isinstance(visitor_id, int) else None
        form.add_error(name if name in form.fields else None, item)


@staff_view("visit_hall")
@require_POST
def status(request: StaffRequest, reference: str) -> HttpResponse:
    booking = _visit(request, reference)
    form = StatusForm(request.POST, current=booking.status)
    if not form.is_valid():
        for error in form.errors.get("status", []):
            messages.error(request, str(error))
        return _back_to_day(request, booking)
    try:
        moved = booking_transition(
            actor=request.user, booking=booking, status=form.cleaned_data["status"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Visit %(reference)s is now marked “%(status)s”.")
            % {"reference": reference, "status": moved.get_status_display()},
        )
    return _back_to_day(request, booking)


@staff_view("visit_hall")
def end_early(request: StaffRequest, reference: str) -> HttpResponse:
    booking = _visit(request, reference)
    form = EndEarlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking_transition(
                actor=request.user,
                booking=booking,
                status=BookingStatus.ENDED_EARLY,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error("reason" if exc.code == "reason_required" else None, exc)
        else:
            messages.success(
                request, _("Visit %(reference)s was ended early.") % {"reference": reference}
            )
            return _back_to_day(request, booking)
    return render(request, "console/hall/end_early.html", {"booking": booking, "form": form})
