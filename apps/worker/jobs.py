"""The periodic work the scheduler runs; each job is idempotent, so a repeated tick does no harm."""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from apps.facilities.models import Facility
from apps.facilities.services import slots_generate
from apps.notifications.delivery import messages_deliver_due
from apps.notifications.models import Message
from apps.notifications.services import messages_for_booking
from apps.people.services.contacts import contacts_decline_unanswered
from apps.waitlist.services import waitlist_offer_seats, waitlist_release_lapsed

logger = logging.getLogger(__name__)


def slots_ahead() -> int:
    """Keep every facility's slots generated across its booking window."""
    return sum(slots_generate(facility=facility) for facility in Facility.objects.all())


def reminders_queue(*, now: dt.datetime | None = None) -> int:
    """Queue the day-before and the shortly-before reminder of each booked visit, once each."""
    now = now or timezone.now()
    windows = {
        Message.Kind.REMINDER_DAY_BEFORE: dt.timedelta(hours=settings.REMINDER_DAY_BEFORE_HOURS),
        Message.Kind.REMINDER_SOON: dt.timedelta(minutes=settings.REMINDER_SOON_MINUTES),
    }
    queued = 0
    for kind, ahead in windows.items():
        due = Booking.objects.filter(
            status=BookingStatus.BOOKED, starts_at__gt=now, starts_at__lte=now + ahead
        ).exclude(messages__kind=kind)
        for booking in due.select_related("facility", "prisoner"):
            queued += _remind(booking, kind)
    return queued


def _remind(booking: Booking, kind: str) -> int:
    if kind == Message.Kind.REMINDER_DAY_BEFORE and booking.starts_at - booking.created_at < (
        dt.timedelta(hours=settings.REMINDER_DAY_BEFORE_HOURS)
    ):
        # Booked inside the window: the booking message itself was the reminder.
        return 0
    try:
        with transaction.atomic():
            # The unique constraint makes a second scheduler's attempt fail here.
            return len(messages_for_booking(booking=booking, kind=kind))
    except IntegrityError:
        return 0


def recordings_delete_expired(*, now: dt.datetime | None = None) -> int:
    """Delete video-visit recordings past their facility's retention period (principle 3)."""
    from apps.calls.services.recordings import recordings_delete_expired as delete

    return delete(now=now)


def calls_settle(*, now: dt.datetime | None = None) -> int:
    """End and settle video visits that nobody was connected to at their end time."""
    from apps.calls.services import calls_settle_overdue

    return calls_settle_overdue(now=now)


def scheduler_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One tick of periodic work. Restrictions need no job: each ends at its ``ends_at``."""
    now = now or timezone.now()
    done = {
        "slots": slots_ahead(),
        "reminders": reminders_queue(now=now),
        "contacts_declined": contacts_decline_unanswered(now=now),
        "holds_released": waitlist_release_lapsed(now=now),
        "offers": waitlist_offer_seats(now=now),
        "recordings_deleted": recordings_delete_expired(now=now),
        "calls_settled": calls_settle(now=now),
        "messages": messages_deliver_due(now=now),
    }
    logger.info("Scheduler tick: %s", done)
    return done
