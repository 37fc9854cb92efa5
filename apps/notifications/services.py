"""Queueing messages to families. Call inside the transaction of the change being reported."""

from typing import Any

from apps.bookings.models import Booking
from apps.notifications.models import Message
from apps.people.models import Contact, Visitor


def message_queue(
    *, recipient: Visitor, kind: str, booking: Booking | None = None, **params: Any
) -> Message:
    return Message.objects.create(
        recipient=recipient,
        booking=booking,
        kind=kind,
        params=params,
        language=recipient.preferred_language,
    )


def messages_for_booking(*, booking: Booking, kind: str, **params: Any) -> list[Message]:
    """One message per phone in the party: a child shares the phone of the adult who books."""
    messages, phones = [], set()
    for visitor in booking.visitors.order_by("date_of_birth"):
        if visitor.phone in phones:
            continue
        phones.add(visitor.phone)
        messages.append(message_queue(recipient=visitor, kind=kind, booking=booking, **params))
    return messages


def messages_for_contact(*, contact: Contact, kind: str, **params: Any) -> Message:
    return message_queue(
        recipient=contact.visitor, kind=kind, prisoner=contact.prisoner.full_name, **params
    )
