from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from apps.notifications.models import Message

if TYPE_CHECKING:
    from apps.bookings.models import Booking
    from apps.facilities.models import Facility


def messages_of_booking(booking: "Booking") -> QuerySet[Message]:
    return booking.messages.select_related("recipient").order_by("created_at", "pk")


def messages_undelivered(*, facility: "Facility", limit: int = 100) -> QuerySet[Message]:
    """Messages to this facility's families that failed or were given up, newest first."""
    about_here = Q(booking__facility=facility) | Q(
        booking__isnull=True, recipient__contacts__prisoner__facility=facility
    )
    return (
        Message.objects.filter(about_here, state__in=[Message.State.FAILED, Message.State.GAVE_UP])
        .select_related("recipient", "booking")
        .distinct()
        .order_by("-created_at", "-pk")[:limit]
    )
