"""Reads of video visits that enforce who may see which call."""

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.permissions import allowed
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingVisitor
from apps.calls.models import Call, CallDisclosure, TerminalDevice
from apps.calls.services.calls import call_for_booking, person_role
from apps.calls.services.settlement import call_is_due
from apps.facilities.models import Facility, Terminal
from lib.references import normalize_reference


class CallState:
    SCHEDULED = "scheduled"  # before opens_at
    OPEN = "open"  # joinable, before starts_at
    LIVE = "live"  # from starts_at to ends_at
    ENDED = "ended"


def _video_bookings() -> Any:
    return Booking.objects.filter(slot__terminal__isnull=False).select_related(
        "facility", "slot", "prisoner"
    )


def _booking(reference: str, *where: Q) -> Booking:
    booking = _video_bookings().filter(*where, reference=normalize_reference(reference)).first()
    if booking is None:
        raise Http404
    return booking


def _with_call(booking: Booking) -> Call:
    if not booking.is_active and not Call.objects.filter(booking=booking).exists():
        raise Http404  # a visit cancelled before its day never had a call
    return call_for_booking(booking)


def family_call(user: User, reference: str) -> Call:
    """The call of a video booking on which ``user`` is a visitor; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    return _with_call(_booking(reference, Q(party__visitor__user=user)))


def terminal_for_device(user: User) -> Terminal | None:
    if not user.is_authenticated:
        return None
    device = (
        TerminalDevice.objects.filter(user_id=user.pk, terminal__is_active=True)
        .select_related("terminal__facility")
        .first()
    )
    return device.terminal if device else None


def _calls_of(bookings: Any) -> list[Call]:
    """The calls of these bookings in a fixed number of queries, making the missing ones."""
    bookings = bookings.filter(Q(status__in=ACTIVE_STATUSES) | Q(call__isnull=False))
    for booking in bookings.filter(call__isnull=True):
        call_for_booking(booking)
    return list(
        Call.objects.filter(booking__in=bookings.values("pk"))
        .select_related("booking__prisoner", "booking__facility", "facility", "terminal")
        .order_by("starts_at", "pk")
    )


def terminal_calls_today(terminal: Terminal, *, now: dt.datetime | None = None) -> list[Call]:
    """Today's video visits at this terminal (in the facility's zone), creating their calls."""
    day = terminal.facility.local_today(now)
    return _calls_of(_video_bookings().filter(slot__terminal=terminal, slot__date=day))


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


def may_supervise(user: User, facility_id: int) -> bool:
    return allowed(person_role(user, facility_id), "video_supervise")


def staff_call(user: User, reference: str) -> Call:
    """Any video visit of a facility where ``user`` has video_supervise (legal ones too)."""
    if not user.is_authenticated:
        raise Http404
    booking = _booking(reference)
    if not may_supervise(user, booking.facility_id):
        raise Http404
    return _with_call(booking)


def officer_call(user: User, reference: str) -> Call:
    """A call an officer of its facility may watch: supervised, so never a legal visit."""
    call = staff_call(user, reference)
    if call.is_legal or not call.supervised:
        raise Http404
    return call


def calls_today(facility: Facility, *, now: dt.datetime | None = None) -> list[Call]:
    """Every video visit of the facility today, legal ones included (the console shows no actions on them)."""
    day = facility.local_today(now)
    return _calls_of(_video_bookings().filter(facility=facility, slot__date=day))


def live_calls(facility: Facility, *, now: dt.datetime | None = None) -> list[Call]:
    """Calls that are open now: joinable and not ended (one opening before midnight included)."""
    now = now or timezone.now()
    opening = now + dt.timedelta(minutes=facility.video_join_opens_minutes)
    # By the times, not today's date: a visit at 00:05 is open from before midnight.
    near = _video_bookings().filter(
        Q(ends_at__gt=now) | Q(call__ends_at__gt=now),  # an extension runs past the booking
        facility=facility,
        starts_at__lte=opening,
    )
    return [
        call
        for call in _calls_of(near)
        if call.ended_at is None and call.opens_at <= now < call.ends_at
    ]


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


def call_by_reference(reference: str) -> Call | None:
    """The call of a video booking, for code that checks access itself (the socket)."""
    booking = _video_bookings().filter(reference=normalize_reference(reference)).first()
    if booking is None:
        return None
    try:
        return _with_call(booking)
    except Http404:
        return None


def call_for_watcher(call_id: int) -> Call:
    """A socket's fresh look at its call, with what ``call_is_due`` reads (no lazy query later)."""
    return Call.objects.select_related("booking").get(pk=call_id)


class SocketRefused(Exception):
    """Why a socket may not join a call; ``code`` is the close code (docs/video.md)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def socket_access(
    user: User, reference: str, *, now: dt.datetime | None = None
) -> tuple[Call, str]:
    """The call and the role this user joins it in, or SocketRefused with the close code.

    The call is read with what the checks need to know about this user in one
    query (the join's cost is the family's wait: bench/video_join.py).
    """
    if not user.is_authenticated:
        raise SocketRefused(4401)
    call = _socket_call(user, reference)
    if call is None:
        raise SocketRefused(4404)
    role = _socket_role(user, call)
    now = now or timezone.now()
    if call.ended_at is not None or call_is_due(call, now=now):
        raise SocketRefused(4410)
    if now < call.opens_at:
        raise SocketRefused(4408)
    observed = call.supervised or call.recorded
    if role == "family" and observed and not call.user_acknowledged:
        raise SocketRefused(4412)
    return call, role


def _socket_call(user: User, reference: str) -> Any:
    """The call, annotated with this user's device, place in the party and acknowledgement."""
    calls = (
        Call.objects.select_related("booking")
        .annotate(
            user_terminal=Subquery(
                TerminalDevice.objects.filter(user_id=user.pk).values("terminal_id")[:1]
            ),
            user_is_visitor=Exists(
                BookingVisitor.objects.filter(booking_id=OuterRef("booking_id"), visitor__user=user)
            ),
            user_acknowledged=Exists(
                CallDisclosure.objects.filter(call_id=OuterRef("pk"), visitor__user=user)
            ),
        )
        .filter(booking__reference=normalize_reference(reference))
    )
    call = calls.first()
    if call is None and call_by_reference(reference) is not None:
        call = calls.first()  # the booking's first join made its call
    return call


def _socket_role(user: User, call: Any) -> str:
    if call.user_terminal is not None:
        if call.user_terminal == call.terminal_id:
            return "terminal"
        raise SocketRefused(4403)
    if call.user_is_visitor:
        return "family"
    if call.supervised and not call.is_legal and may_supervise(user, call.facility_id):
        return "officer"
    raise SocketRefused(4403)
