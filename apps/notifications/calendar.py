"""A booking as an iCalendar file, so a family can put the visit in its phone's calendar
(attached to its e-mails, and downloaded from the portal)."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from lib.references import format_reference

if TYPE_CHECKING:
    from apps.bookings.models import Booking


def booking_ics(booking: "Booking") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Visitline//Family visits//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{booking.reference}@visitline")
    event.add("dtstamp", booking.created_at)
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add(
        "summary",
        _("%(kind)s with %(prisoner)s")
        % {"kind": booking.get_kind_display(), "prisoner": booking.prisoner.full_name},
    )
    slot = booking.slot
    place = (
        str(slot.room)
        if slot.room_id
        else _("Video visit: open the visit page in Visitline to join")
    )
    event.add("location", f"{booking.facility.name}, {place}")
    event.add(
        "description",
        _("Booking reference %(reference)s. Bring the original identity document of every adult.")
        % {"reference": format_reference(booking.reference)},
    )
    if booking.status == "cancelled":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()
