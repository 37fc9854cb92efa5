"""Delivering outbox messages: claim, send once, record, retry with backoff, give up.

Exactly once, step by step:

1. A sender *claims* a message with one conditional UPDATE (pending or failed
   and due → ``sending``, with a lease). Two senders cannot both claim it.
2. It hands the message to the backend with the message's idempotency key.
   The SMS backends deliver a key once and skip it when they see it again.
3. It records ``sent`` (or ``failed`` with the next attempt, or ``gave_up``).

A sender that dies between 2 and 3 leaves the message ``sending``; once the
lease expires another sender re-claims it and sends it again *with the same
key*, so the backend skips what it already delivered. E-mail has no such key
at the provider, so an e-mail whose sender died mid-send is not re-sent: it
is marked as given up for staff to check, never delivered twice.
"""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone, translation

from apps.audit.services import audit_record
from apps.notifications.calendar import booking_ics
from apps.notifications.models import Message
from apps.notifications.render import message_subject, message_text
from lib.sms import RejectedNumber, send_sms

logger = logging.getLogger(__name__)
State = Message.State


class EmailBounced(Exception):
    """The mail server refused the address for good."""


def message_deliver(*, message_id: int, now: dt.datetime | None = None) -> str | None:
    """Try to deliver one message; returns its new state, or None if it was not this sender's to send."""
    now = now or timezone.now()
    recovering = False
    if not _claim(message_id, _due(now)):
        if not _claim(message_id, Q(state=State.SENDING, lease_until__lt=now)):
            return None
        recovering = True
    message = Message.objects.select_related(
        "recipient", "booking__facility", "booking__prisoner"
    ).get(pk=message_id)
    # An e-mail has no idempotency key at the provider: it is sent again only if
    # the sender that died had not handed it over yet.
    if recovering and message.channel == Message.Channel.EMAIL and message.handed_off_at:
        return _finish(
            message,
            State.GAVE_UP,
            error="The sender stopped while sending this e-mail; it is not sent again so the family never gets it twice.",
        )
    try:
        _send(message)
    except (RejectedNumber, EmailBounced, smtplib.SMTPRecipientsRefused) as exc:
        return _finish(message, State.GAVE_UP, error=_describe(exc))
    except Exception as exc:
        logger.warning("Message %s not delivered: %s", message.pk, exc)
        if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
            return _finish(message, State.GAVE_UP, error=_describe(exc))
        return _finish(
            message,
            State.FAILED,
            error=_describe(exc),
            retry_at=now + retry_delay(message.attempts),
        )
    return _finish(message, State.SENT, sent_at=timezone.now())


def _due(now: dt.datetime) -> Q:
    return Q(state__in=[State.PENDING, State.FAILED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim(message_id: int, condition: Q) -> bool:
    # The lease starts now, not when the sweep began, so a long sweep never
    # claims a message with a lease that has already run out.
    lease = timezone.now() + dt.timedelta(seconds=settings.MESSAGE_LEASE_SECONDS)
    claimed = Message.objects.filter(condition, pk=message_id).update(
        state=State.SENDING, lease_until=lease, attempts=F("attempts") + 1
    )
    return claimed == 1


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: the base delay, doubled after each failed attempt."""
    return dt.timedelta(seconds=settings.MESSAGE_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _send(message: Message) -> None:
    text = message_text(message)
    recipient = message.recipient
    if message.channel == Message.Channel.SMS:
        send_sms(recipient.phone, text, key=message.idempotency_key)
        return
    if not recipient.email:
        raise EmailBounced("The visitor has no e-mail address.")
    email = EmailMessage(
        subject=message_subject(message),
        body=text,
        to=[recipient.email],
        headers={"Message-ID": f"<{message.idempotency_key}@visitline>"},
    )
    if message.booking is not None:
        with translation.override(message.language):
            ics = booking_ics(message.booking)
        email.attach(f"{message.booking.reference}.ics", ics, "text/calendar")
    # Committed before the hand-over: after a crash past this line the e-mail
    # may have gone, so it is never sent again; before it, it surely has not.
    Message.objects.filter(pk=message.pk).update(handed_off_at=timezone.now())
    email.send()


def _finish(
    message: Message,
    state: str,
    *,
    error: str = "",
    retry_at: dt.datetime | None = None,
    sent_at: dt.datetime | None = None,
) -> str:
    # Only the holder of the claim (its own lease) records the outcome.
    Message.objects.filter(
        pk=message.pk, state=State.SENDING, lease_until=message.lease_until
    ).update(
        state=state,
        lease_until=None,
        last_error=error[:2000],
        next_attempt_at=retry_at,
        sent_at=sent_at,
    )
    if state == State.GAVE_UP:
        audit_record(
            actor=None,
            action="message.gave_up",
            target=message,
            facility_id=message.booking.facility_id if message.booking else None,
            error=error[:500],
        )
    return state


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def message_bounced(*, message_id: int, reason: str) -> Message:
    """Record a bounce the mail provider reported after the message left: given up, shown to staff."""
    message = Message.objects.get(pk=message_id)
    Message.objects.filter(pk=message.pk).update(
        state=State.GAVE_UP, last_error=f"Bounced: {reason}"[:2000]
    )
    audit_record(
        actor=None,
        action="message.bounced",
        target=message,
        facility_id=message.booking.facility_id if message.booking else None,
        reason=reason[:500],
    )
    message.refresh_from_db()
    return message


def messages_due(*, now: dt.datetime | None = None, limit: int = 200) -> list[int]:
    """Messages to (re)try now: due ones, and those whose sender's lease ran out."""
    now = now or timezone.now()
    condition = _due(now) | Q(state=State.SENDING, lease_until__lt=now)
    return list(Message.objects.filter(condition).values_list("pk", flat=True)[:limit])


def messages_deliver_due(*, now: dt.datetime | None = None) -> int:
    return sum(1 for pk in messages_due(now=now) if message_deliver(message_id=pk, now=now))
