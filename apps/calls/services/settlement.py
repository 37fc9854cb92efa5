"""The end of a call: extension by lost minutes, or the final end and the settlement.

Every path takes the call's row lock and re-reads it, and the final end is
written only while ``ended_at`` is empty, so watchers in several processes and
the scheduler may all try: one ends the call, the others find it ended.
"""

import datetime as dt
import logging
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.bookings.models import ACTIVE_STATUSES, AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_cancel, booking_transition
from apps.calls.broadcast import broadcast
from apps.calls.models import Call, CallMedia, EndReason, Recording
from apps.calls.selectors import call_is_due, clock_message
from apps.calls.services.calls import call_open
from apps.notifications.models import Message
from apps.notifications.services import messages_for_booking

logger = logging.getLogger(__name__)

NOT_CONNECTED = _("The visit could not be connected from the prison side.")
LEFT_UNCONNECTED = _("The family left before the visit was connected.")
REFUND_REASON = ngettext_lazy(
    "%(minutes)s minute of the visit was lost and could not be made up.",
    "%(minutes)s minutes of the visit were lost and could not be made up.",
    "minutes",
)


def lost_seconds(call: Call, *, until: dt.datetime) -> int:
    """Scheduled time after the family joined, up to ``until``, during which media was not flowing."""
    if call.family_joined_at is None:
        return 0
    start = max(call.starts_at, call.family_joined_at)
    end = min(until, call.family_left_at or until)
    if end <= start:
        return 0
    covered = 0.0
    for interval in CallMedia.objects.filter(call=call, started_at__lt=end):
        stop = min(interval.ended_at or end, end)
        covered += max(0.0, (stop - max(interval.started_at, start)).total_seconds())
    return max(0, round((end - start).total_seconds() - covered))


def _room_to_extend(call: Call) -> int:
    """Seconds the call may run past its end before the terminal's next visit (less changeover)."""
    following = (
        Booking.objects.filter(
            slot__terminal_id=call.terminal_id,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=call.scheduled_ends_at,
        )
        .exclude(pk=call.booking_id)
        .order_by("starts_at")
        .first()
    )
    if following is None:
        return 24 * 3600
    limit = following.starts_at - dt.timedelta(minutes=settings.CALL_CHANGEOVER_MINUTES)
    return max(0, int((limit - call.ends_at).total_seconds()))


def call_end_if_due(call_id: int, *, now: dt.datetime | None = None) -> Call:
    """At the end time: extend once by the lost minutes if the terminal is free, else end for good."""
    now = now or timezone.now()
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("booking").get(pk=call_id)
        if call.ended_at is not None or not call_is_due(call, now=now):
            return call
        from apps.calls.services.calls import device_user

        if call.booking.status == BookingStatus.CANCELLED:
            return call_finish(
                call=call,
                reason=EndReason.CANCELLED,
                actor=device_user(call.terminal),
                note="",
                now=min(now, call.ends_at),
            )
        if call.extended_seconds == 0 and _extend(call):
            return call
        return call_finish(
            call=call,
            reason=EndReason.TIME_UP,
            actor=device_user(call.terminal),
            note="",
            now=call.ends_at,
        )


def _extend(call: Call) -> bool:
    lost = lost_seconds(call, until=call.ends_at)
    if lost < 60:
        return False
    minutes = min(math.ceil(lost / 60), _room_to_extend(call) // 60)
    if minutes < 1:
        return False
    call.extended_seconds = minutes * 60
    call.ends_at = call.ends_at + dt.timedelta(minutes=minutes)
    call.save(update_fields=["extended_seconds", "ends_at"])
    audit_record(
        actor=None,
        action="call.extended",
        target=call,
        facility_id=call.facility_id,
        minutes=minutes,
    )
    broadcast(call.pk, {**clock_message(call), "extended_minutes": minutes})
    return True


def call_finish(
    *,
    call: Call,
    reason: str,
    actor: User,
    note: str,
    now: dt.datetime,
    ended_by: User | None = None,
) -> Call:
    """The final end of a locked, open call: media closed, settled, booking moved on, sockets told.

    ``actor`` records the booking's new state (staff: the officer, or the
    terminal's device account); ``ended_by`` is the person who ended it, if any.
    """
    call.ended_at = now
    call.end_reason = reason
    call.end_note = note
    call.ended_by = ended_by
    CallMedia.objects.filter(call=call, ended_at__isnull=True).update(ended_at=now)
    lost = lost_seconds(call, until=now)
    call.lost_seconds = lost
    unrecovered = max(0, lost - call.extended_seconds)
    if call.family_joined_at is None:
        call.end_reason = EndReason.NO_SHOW if reason == EndReason.TIME_UP else reason
    call.save(update_fields=["ended_at", "end_reason", "end_note", "ended_by", "lost_seconds"])
    # Kept for the retention period from the real end (an extension or an early end moves it).
    retention = dt.timedelta(days=call.facility.recording_retention_days)
    Recording.objects.filter(call=call).update(expires_at=now + retention)
    _settle(call, actor, unrecovered)
    from apps.calls.media import media_backend

    transaction.on_commit(lambda: media_backend().on_end(call), robust=True)
    broadcast(
        call.pk,
        {"type": "end", "reason": reason, "note": note, "ended_at": now.isoformat()},
    )
    return call


def _settle(call: Call, actor: User, unrecovered: int) -> None:
    """The allowance and the booking after the end (once: the caller holds the row lock)."""
    if call.booking.status == BookingStatus.CANCELLED:
        return  # the cancellation already gave the visit back and told the family
    if _never_connected(call):
        _cancel_unconnected(call, actor)
        return
    if unrecovered >= call.facility.video_refund_after_minutes * 60:
        _refund(call, unrecovered)
    _move_booking(call, actor)


def _refund(call: Call, unrecovered: int) -> None:
    """Give the visit's allowance back (never below zero), say why, and tell the family."""
    minutes = math.ceil(unrecovered / 60)
    booking = call.booking
    returned = bool(
        booking.allowance_usage_id
        and AllowanceUsage.objects.filter(pk=booking.allowance_usage_id, used__gt=0).update(
            used=F("used") - 1
        )
    )
    call.allowance_returned = returned
    call.refund_reason = str(REFUND_REASON % {"minutes": minutes})
    call.save(update_fields=["allowance_returned", "refund_reason"])
    audit_record(
        actor=None,
        action="call.time_refunded",
        target=call,
        facility_id=call.facility_id,
        lost_minutes=minutes,
        allowance_returned=returned,
    )
    if returned:  # a visit that never counted (an override) has nothing to give back
        messages_for_booking(booking=booking, kind=Message.Kind.TIME_REFUNDED, minutes=minutes)


def _never_connected(call: Call) -> bool:
    """Media never flowed, and the family was there or an officer stopped it."""
    return call.booking.status == BookingStatus.BOOKED and (
        call.family_joined_at is not None or call.end_reason == EndReason.OFFICER
    )


def _cancel_unconnected(call: Call, actor: User) -> None:
    """A visit that never connected did not happen: the prison cancels it, which gives the
    allowance back and tells the family why (a booking that never started has no "ended early")."""
    if call.end_reason == EndReason.OFFICER:
        reason = call.end_note
    elif call.end_reason == EndReason.FAMILY_LEFT:
        reason = str(LEFT_UNCONNECTED)
    else:
        reason = str(NOT_CONNECTED)
    try:
        booking_cancel(actor=actor, booking=call.booking, reason=reason)
    except (ValidationError, PermissionDenied):
        logger.exception("Call %s ended but booking %s was not cancelled", call.pk, call.booking_id)
        return
    call.allowance_returned = call.booking.allowance_usage_id is not None
    call.refund_reason = reason
    call.save(update_fields=["allowance_returned", "refund_reason"])


def _next_status(call: Call) -> str:
    if call.end_reason == EndReason.OFFICER:
        return BookingStatus.ENDED_EARLY
    if call.booking.status == BookingStatus.BOOKED:
        return BookingStatus.NO_SHOW  # the family never joined
    return BookingStatus.COMPLETED


def _move_booking(call: Call, actor: User) -> None:
    if call.booking.status not in ACTIVE_STATUSES:
        return
    status = _next_status(call)
    try:
        booking_transition(actor=actor, booking=call.booking, status=status, reason=call.end_note)
    except (ValidationError, PermissionDenied):
        # The call's own record stands; the hall can still correct the booking.
        logger.exception("Call %s ended but booking %s stayed %s", call.pk, call.booking_id, status)


def calls_settle_overdue(*, now: dt.datetime | None = None) -> int:
    """The scheduler's sweep for calls that nobody was connected to at their end.

    A video booking of the last two days that no page ever opened gets its call
    here, so that it too ends as a no-show instead of staying booked.
    """
    now = now or timezone.now()
    unopened = Booking.objects.filter(
        slot__terminal__isnull=False,
        status=BookingStatus.BOOKED,
        ends_at__lte=now,
        ends_at__gt=now - dt.timedelta(days=2),
        call__isnull=True,
    ).select_related("slot", "facility")
    for booking in unopened:
        call_open(booking)
    due = Call.objects.filter(
        Q(ends_at__lte=now) | Q(booking__status=BookingStatus.CANCELLED), ended_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(1 for pk in due if call_end_if_due(pk, now=now).ended_at is not None)
