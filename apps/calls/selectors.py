"""Reads of video visits that enforce who may see which call."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import StaffRole, User
from apps.accounts.permissions import allowed
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from apps.calls.models import Call, CallDisclosure, TerminalDevice
from apps.facilities.models import Facility, Terminal
from lib.references import normalize_reference


class CallState:
    SCHEDULED = "scheduled"  # before opens_at
    OPEN = "open"  # joinable, before starts_at
    LIVE = "live"  # from starts_at to ends_at
    ENDED = "ended"


def _video_bookings() -> Any:
    """Bookings at a terminal that have or may still get a call (a visit cancelled before
    its day never had one)."""
    return (
        Booking.objects.filter(slot__terminal__isnull=False)
        .filter(Q(status__in=ACTIVE_STATUSES) | Q(call__isnull=False))
        .select_related("facility", "slot", "prisoner")
    )


def _booking(reference: str, *where: Q) -> Booking:
    booking = _video_bookings().filter(*where, reference=normalize_reference(reference)).first()
    if booking is None:
        raise Http404
    return booking


def video_booking(reference: str) -> Booking | None:
    """A video booking by its reference, for code that checks access itself (the socket)."""
    return _video_bookings().filter(reference=normalize_reference(reference)).first()


def family_video_booking(user: User, reference: str) -> Booking:
    """A video booking on which ``user`` is a visitor; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    return _booking(reference, Q(party__visitor__user=user))


def terminal_for_device(user: User) -> Terminal | None:
    if not user.is_authenticated:
        return None
    device = (
        TerminalDevice.objects.filter(user_id=user.pk, terminal__is_active=True)
        .select_related("terminal__facility")
        .first()
    )
    return device.terminal if device else None


def terminal_bookings_today(terminal: Terminal, *, now: dt.datetime | None = None) -> Any:
    """Today's video visits at this terminal (in the facility's zone)."""
    day = terminal.facility.local_today(now)
    return _video_bookings().filter(slot__terminal=terminal, slot__date=day)


def terminal_call_opened(terminal: Terminal, *, now: dt.datetime | None = None) -> Call | None:
    """The visit an officer last put on this terminal's screen, while it can still be joined."""
    now = now or timezone.now()
    return (
        Call.objects.filter(
            terminal=terminal,
            opened_at_terminal_at__isnull=False,
            ended_at__isnull=True,
            opens_at__lte=now,
        )
        .select_related("booking")
        .order_by("-opened_at_terminal_at")
        .first()
    )


def is_device(user: User) -> bool:
    return TerminalDevice.objects.filter(user_id=user.pk).exists()


def person_role(user: User, facility_id: int) -> str | None:
    """The role of a person at the facility, if any; a terminal's device account has none here,
    whatever its StaffRole says (that role only lets it record the visit's states)."""
    if not user.is_authenticated or is_device(user):
        return None
    staff = StaffRole.objects.filter(user=user, facility_id=facility_id).first()
    return staff.role if staff else None


def may_supervise(user: User, facility_id: int) -> bool:
    return allowed(person_role(user, facility_id), "video_supervise")


def staff_video_booking(user: User, reference: str) -> Booking:
    """Any video booking of a facility where ``user`` has video_supervise (legal ones too)."""
    if not user.is_authenticated:
        raise Http404
    booking = _booking(reference)
    if not may_supervise(user, booking.facility_id):
        raise Http404
    return booking


def video_bookings_today(facility: Facility, *, now: dt.datetime | None = None) -> Any:
    """Every video visit of the facility today, legal ones included (the console shows no actions on them)."""
    day = facility.local_today(now)
    return _video_bookings().filter(facility=facility, slot__date=day)


def live_calls(facility: Facility, *, now: dt.datetime | None = None) -> list[Call]:
    """Calls that are open now: joinable and not ended (one opening before midnight included)."""
    now = now or timezone.now()
    # By the times, not today's date: a visit at 00:05 is open from before midnight.
    return list(
        Call.objects.filter(
            facility=facility, ended_at__isnull=True, opens_at__lte=now, ends_at__gt=now
        )
        .select_related("booking__prisoner", "booking__facility", "facility", "terminal")
        .order_by("starts_at", "pk")
    )


def call_is_due(call: Call, *, now: dt.datetime) -> bool:
    """Time to end or extend: the end time has come, or the booking was cancelled.

    A cancelled booking has given its allowance and its seat back (the seat may
    be booked again by another family), so its call must not go on.
    """
    return now >= call.ends_at or call.booking.status == BookingStatus.CANCELLED


def disclosure_acknowledged(user: User, call: Call) -> bool:
    """Whether this visitor may join as far as disclosure goes: each visitor acknowledges for themselves."""
    if not (call.supervised or call.recorded):
        return True
    return CallDisclosure.objects.filter(call=call, visitor__user=user).exists()


def call_state(call: Call, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if call.ended_at is not None:
        return CallState.ENDED
    if now < call.opens_at:
        return CallState.SCHEDULED
    if now < call.starts_at:
        return CallState.OPEN
    return CallState.LIVE


def clock_message(call: Call, now: dt.datetime | None = None) -> dict[str, str]:
    """The socket's clock message: the one shape in which the server's clock reaches a page."""
    return {"type": "clock", **call_clock(call, now)}


def call_clock(call: Call, now: dt.datetime | None = None) -> dict[str, str]:
    """What the pages and the socket show of the server's clock (ISO 8601, UTC)."""
    now = now or timezone.now()
    return {
        "server_now": now.isoformat(),
        "opens_at": call.opens_at.isoformat(),
        "starts_at": call.starts_at.isoformat(),
        "ends_at": call.ends_at.isoformat(),
        "state": call_state(call, now),
    }


def call_for_watcher(call_id: int) -> Call:
    """A socket's fresh look at its call, with what ``call_is_due`` reads (no lazy query later)."""
    return Call.objects.select_related("booking").get(pk=call_id)
