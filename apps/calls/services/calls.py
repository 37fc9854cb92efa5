"""Making a booking's call, and who may act on it."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import StaffRole, User
from apps.accounts.permissions import allowed
from apps.bookings.models import Booking, BookingVisitor
from apps.calls.models import Call, TerminalDevice
from apps.calls.selectors import person_role, video_booking
from apps.facilities.models import Terminal
from apps.policy.kinds import VisitKind

NOT_SUPERVISOR = _("Only a supervising officer of this facility can do this.")
LEGAL_UNOBSERVED = _("Legal visits are confidential: they are never supervised or recorded.")
ALREADY_ENDED = _("This video visit has already ended.")
NOT_SUPERVISED = _(
    "This visit is not supervised, as the family was told: it cannot be watched or warned."
)


def call_open(booking: Booking) -> Call:
    """The booking's call, made on first use with the facility's policy of the day copied in.

    Every page, socket and sweep that needs a call opens it here; the reads
    (apps.calls.selectors) never make one.
    """
    existing = Call.objects.filter(booking_id=booking.pk).first()
    if existing is not None:
        return existing
    if booking.slot.terminal_id is None:
        raise ValueError("Only a booking at a terminal has a call.")
    facility = booking.facility
    legal = booking.kind == VisitKind.LEGAL
    try:
        with transaction.atomic():
            return Call.objects.create(
                booking=booking,
                facility=facility,
                terminal_id=booking.slot.terminal_id,
                is_legal=legal,
                # Principle 2: whatever the policy says, a legal visit is neither.
                supervised=facility.visits_supervised and not legal,
                recorded=facility.video_visits_recorded and not legal,
                opens_at=booking.starts_at
                - dt.timedelta(minutes=facility.video_join_opens_minutes),
                starts_at=booking.starts_at,
                scheduled_ends_at=booking.ends_at,
                ends_at=booking.ends_at,
            )
    except IntegrityError:
        # Another request made it first.
        return Call.objects.get(booking_id=booking.pk)


def calls_open(bookings: QuerySet[Booking]) -> list[Call]:
    """The calls of these bookings in a fixed number of queries, opening the missing ones."""
    for booking in bookings.filter(call__isnull=True):
        call_open(booking)
    return list(
        Call.objects.filter(booking__in=bookings.values("pk"))
        .select_related("booking__prisoner", "booking__facility", "facility", "terminal")
        .order_by("starts_at", "pk")
    )


def call_open_by_reference(reference: str) -> Call | None:
    """The call of a video booking, for code that checks access itself (the socket, the
    terminal's pages); None if there is no such booking."""
    booking = video_booking(reference)
    return call_open(booking) if booking is not None else None


def device_user(terminal: Terminal) -> User:
    """The terminal's device account, made on first use.

    It holds an officer's role at its facility so that the visit states it
    reports go through the bookings service like any staff change, and it has
    no password and no second factor, so it can never sign in to the console;
    apps.calls.middleware keeps its session inside /terminal/.
    """
    device = TerminalDevice.objects.filter(terminal=terminal).select_related("user").first()
    if device is not None:
        return device.user
    with transaction.atomic():
        user = User(
            username=f"terminal-{terminal.pk}", full_name=f"{terminal} ({terminal.facility})"
        )
        user.set_unusable_password()
        user.save()
        StaffRole.objects.create(
            user=user, facility_id=terminal.facility_id, role=StaffRole.Role.OFFICER
        )
        TerminalDevice.objects.create(terminal=terminal, user=user)
    return user


def require_officer(actor: User, call: Call) -> None:
    """A person (not a device) with video_supervise at the call's facility.

    Enough to confirm who is at the terminal, which every visit needs, a legal
    one included: it identifies the person and observes nothing.
    """
    if not allowed(person_role(actor, call.facility_id), "video_supervise"):
        raise PermissionDenied(NOT_SUPERVISOR)


def require_not_legal(actor: User, call: Call) -> None:
    """An officer acting on the content of a visit: never a legal one (principle 2)."""
    require_officer(actor, call)
    if call.is_legal:
        raise PermissionDenied(LEGAL_UNOBSERVED)


def require_supervisor(actor: User, call: Call) -> None:
    """An officer watching or warning: only on a visit disclosed as supervised (principle 3)."""
    require_not_legal(actor, call)
    if not call.supervised:
        raise PermissionDenied(NOT_SUPERVISED)


def require_family(actor: User, call: Call) -> None:
    if not (
        actor.is_authenticated
        and BookingVisitor.objects.filter(booking_id=call.booking_id, visitor__user=actor).exists()
    ):
        raise PermissionDenied(_("This visit is not yours."))


def require_terminal(actor: User, call: Call) -> None:
    if not TerminalDevice.objects.filter(user_id=actor.pk, terminal_id=call.terminal_id).exists():
        raise PermissionDenied(_("Only the visit's own terminal can do this."))


def require_open(call: Call) -> None:
    if call.ended_at is not None:
        raise ValidationError(ALREADY_ENDED, code="ended")
