"""What happens during a call: disclosure, custody, joining, media, warnings, and ending it."""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.bookings.models import BookingStatus
from apps.bookings.services import booking_transition
from apps.calls.broadcast import broadcast
from apps.calls.models import Call, CallDisclosure, CallMedia, EndReason
from apps.calls.selectors import CallState, call_state
from apps.calls.services.calls import (
    device_user,
    require_family,
    require_not_legal,
    require_officer,
    require_open,
    require_supervisor,
    require_terminal,
)
from apps.calls.services.settlement import call_finish
from apps.people.models import Visitor

logger = logging.getLogger(__name__)

WARNING_MAX = 200
END_REASON_MAX = 500


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update().select_related("booking").get(pk=call.pk)


def state_message(call: Call) -> dict[str, object]:
    state = call_state(call)
    return {
        "type": "state",
        "custody_confirmed": call.custody_confirmed_at is not None,
        "state": state,
        "may_start": state == CallState.LIVE,
    }


@transaction.atomic
def call_acknowledge_disclosure(*, actor: User, call: Call) -> Call:
    """This visitor of the booking has read that the visit is supervised or recorded."""
    require_family(actor, call)
    visitor = Visitor.objects.get(user=actor)
    _, created = CallDisclosure.objects.get_or_create(
        call=call, visitor=visitor, defaults={"acknowledged_at": timezone.now()}
    )
    if created:
        audit_record(
            actor=actor,
            action="call.disclosure_acknowledged",
            target=call,
            facility_id=call.facility_id,
            supervised=call.supervised,
            recorded=call.recorded,
        )
    return call


@transaction.atomic
def call_confirm_custody(*, actor: User, call: Call) -> Call:
    """An officer confirms who is at the terminal; only then is the family connected."""
    require_officer(actor, call)
    call = _locked(call)
    require_open(call)
    if call.custody_confirmed_at is None:
        call.custody_confirmed_at = timezone.now()
        call.custody_confirmed_by = actor
        call.save(update_fields=["custody_confirmed_at", "custody_confirmed_by"])
        audit_record(
            actor=actor, action="call.custody_confirmed", target=call, facility_id=call.facility_id
        )
        broadcast(call.pk, state_message(call))
    return call


@transaction.atomic
def call_open_at_terminal(*, actor: User, call: Call) -> Call:
    """An officer puts the visit on its terminal's screen (the terminal's page follows within
    seconds); opening it again, after the page was left, puts it back."""
    require_officer(actor, call)
    call = _locked(call)
    require_open(call)
    if timezone.now() < call.opens_at:
        raise ValidationError(
            _("This visit opens at %(time)s; it can be put on the terminal from then."),
            code="not_open_yet",
            params={
                "time": timezone.localtime(call.opens_at, call.facility.zone).strftime("%H:%M")
            },
        )
    call.opened_at_terminal_at = timezone.now()
    call.opened_at_terminal_by = actor
    call.save(update_fields=["opened_at_terminal_at", "opened_at_terminal_by"])
    audit_record(
        actor=actor,
        action="call.opened_at_terminal",
        target=call,
        facility_id=call.facility_id,
        terminal=call.terminal.name,
    )
    return call


def call_join(*, call: Call, role: str, now: dt.datetime | None = None) -> Call:
    """Bookkeeping when a socket joins: the family's first join starts the time that counts."""
    if role == "family" and call.family_joined_at is None:
        now = now or timezone.now()
        if Call.objects.filter(pk=call.pk, family_joined_at__isnull=True).update(
            family_joined_at=now
        ):
            call.family_joined_at = now
        else:
            call.refresh_from_db(fields=["family_joined_at"])  # another page joined first
    return call


def call_media_report(
    *, actor: User, call: Call, state: str, now: dt.datetime | None = None, channel: str = ""
) -> Call:
    """The terminal reports media flowing or stalled; intervals of flow decide lost time.

    ``channel`` names the reporting socket; its close ends the interval it reported.
    """
    require_terminal(actor, call)
    now = now or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        if call.ended_at is not None:
            return call
        open_interval = CallMedia.objects.filter(call=call, ended_at__isnull=True).first()
        if state == "flowing" and open_interval is not None:
            open_interval.channel = channel  # a reconnected socket takes the interval over
            open_interval.save(update_fields=["channel"])
        elif state == "flowing":
            try:
                with transaction.atomic():
                    CallMedia.objects.create(call=call, started_at=now, channel=channel)
            except IntegrityError:
                pass  # a report from another socket of the same terminal won
            # Media before the family joined is the terminal alone (a mistaken
            # report): the visit has not begun, and a family who never comes is
            # a no-show, which an in-progress booking could no longer become.
            if call.booking.status == BookingStatus.BOOKED and call.family_joined_at:
                _mark_in_progress(actor, call)
        elif state == "stalled" and open_interval is not None:
            open_interval.ended_at = max(now, open_interval.started_at)
            open_interval.save(update_fields=["ended_at"])
    return call


def _mark_in_progress(actor: User, call: Call) -> None:
    """The booking's state follows; a refusal (the device's role removed) must not undo the
    media interval, or the family would lose time that really flowed."""
    try:
        with transaction.atomic():
            booking_transition(actor=actor, booking=call.booking, status=BookingStatus.IN_PROGRESS)
    except (ValidationError, PermissionDenied):
        logger.exception("Call %s: booking %s stayed booked", call.pk, call.booking_id)


def call_socket_closed(
    *, call: Call, role: str, channel: str = "", now: dt.datetime | None = None
) -> None:
    """The terminal's socket closed: whatever it said was flowing has stopped."""
    if role == "terminal":
        now = now or timezone.now()
        CallMedia.objects.filter(
            call=call, ended_at__isnull=True, started_at__lte=now, channel=channel
        ).update(ended_at=now)


@transaction.atomic
def call_warn(*, actor: User, call: Call, text: str) -> Call:
    """A short written warning from a supervising officer, shown on both screens."""
    require_supervisor(actor, call)
    text = (text or "").strip()
    if not text or len(text) > WARNING_MAX:
        raise ValidationError(
            _("Write a warning of at most %(max)s characters."),
            code="warning_text",
            params={"max": WARNING_MAX},
        )
    call = _locked(call)
    require_open(call)
    now = timezone.now()
    audit_record(
        actor=actor, action="call.warning", target=call, facility_id=call.facility_id, text=text
    )
    broadcast(call.pk, {"type": "warning", "text": text, "at": now.isoformat()})
    return call


def call_end(*, actor: User, call: Call, reason: str) -> Call:
    """An officer ends a visit (never a legal one), with a written reason the family is shown."""
    require_not_legal(actor, call)
    reason = (reason or "").strip()
    if not reason or len(reason) > END_REASON_MAX:
        raise ValidationError(
            _("Write why the visit is being ended, in at most %(max)s characters."),
            code="reason_required",
            params={"max": END_REASON_MAX},
        )
    with transaction.atomic():
        call = _locked(call)
        require_open(call)
        audit_record(
            actor=actor, action="call.end", target=call, facility_id=call.facility_id, reason=reason
        )
        return call_finish(
            call=call,
            reason=EndReason.OFFICER,
            actor=actor,
            note=reason,
            now=timezone.now(),
            ended_by=actor,
        )


def call_leave(*, actor: User, call: Call, now: dt.datetime | None = None) -> Call:
    """The family ends the visit themselves; no time counts as lost after this."""
    require_family(actor, call)
    now = now or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        if call.ended_at is not None:
            return call
        call.family_left_at = now
        call.save(update_fields=["family_left_at"])
        audit_record(actor=actor, action="call.leave", target=call, facility_id=call.facility_id)
        return call_finish(
            call=call,
            reason=EndReason.FAMILY_LEFT,
            actor=device_user(call.terminal),
            note="",
            now=now,
            ended_by=actor,
        )
