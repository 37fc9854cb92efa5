"""Messages to families as staff see them: a booking's history, and what could not be delivered."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from apps.bookings.selectors import facility_booking
from apps.console.decorators import StaffRequest, staff_view
from apps.notifications.selectors import messages_of_booking, messages_undelivered


@staff_view("visit_hall")
def booking_messages(request: StaffRequest, reference: str) -> HttpResponse:
    booking = facility_booking(facility=request.facility, reference=reference)
    if booking is None:
        raise Http404
    context = {"booking": booking, "messages_sent": list(messages_of_booking(booking))}
    return render(request, "console/messages/booking.html", context)


@staff_view("visit_hall")
def undelivered(request: StaffRequest) -> HttpResponse:
    context = {"messages_sent": list(messages_undelivered(facility=request.facility))}
    return render(request, "console/messages/undelivered.html", context)
