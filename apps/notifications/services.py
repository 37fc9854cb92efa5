"""Queueing messages to families. Call inside the transaction of the change being reported."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.notifications.models import Message

if TYPE_CHECKING:
    from apps.bookings.models import Booking
    from apps.people.models import Contact, Visitor


def message_queue(
    *,
    recipient: "Visitor",
    kind: str,
    booking: "Booking | None" = None,
    channel: str = Message.Channel.SMS,
    **params: Any,
) -> Message:
    message = Message.objects.create(
        recipient=recipient,
        booking=booking,
        kind=kind,
        channel=channel,
        params=params,
        language=recipient.preferred_language,
    )
    # Sent as soon as the change commits; the scheduler's sweep is the safety net.
    transaction.on_commit(lambda: _enqueue_send(message.pk), robust=True)
    return message


def _enqueue_send(message_id: int) -> None:
    from apps.notifications.tasks import message_send_task

    message_send_task.enqueue(message_id)


def messages_for_booking(
    *, booking: "Booking", kind: str, party: "Sequence[Visitor] | None" = None, **params: Any
) -> list[Message]:
    """One SMS per phone in the party (a child shares the phone of the adult who books),
    and one e-mail to each visitor who gave an address.

    ``party`` is the booking's visitors when the caller holds them already (it
    saves reading them back)."""
    messages, phones = [], set()
    visitors = (
        sorted(party, key=lambda v: v.date_of_birth)
        if party is not None
        else booking.visitors.order_by("date_of_birth")
    )
    for visitor in visitors:
        if visitor.phone not in phones:
            phones.add(visitor.phone)
            messages.append(message_queue(recipient=visitor, kind=kind, booking=booking, **params))
        if visitor.email:
            messages.append(
                message_queue(
                    recipient=visitor,
                    kind=kind,
                    booking=booking,
                    channel=Message.Channel.EMAIL,
                    **params,
                )
            )
    return messages


def messages_for_contact(*, contact: "Contact", kind: str, **params: Any) -> Message:
    return message_queue(
        recipient=contact.visitor, kind=kind, prisoner=contact.prisoner.full_name, **params
    )
