"""A video visit starting shortly, so that the demo shows a call whenever it is started."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingVisitor
from apps.facilities.models import Facility, SessionTemplate, Slot, Terminal
from apps.people.models import Contact, Relationship
from apps.policy.kinds import VisitKind
from lib.references import new_reference

DEMO_TERMINAL = "演示终端"
DEMO_CALL_MINUTES = 20
DEMO_NOTE = "Demo: a video visit starting a few minutes after the demo starts."


def demo_terminal(facility: Facility) -> Terminal:
    terminal, _created = Terminal.objects.get_or_create(
        facility=facility, name=DEMO_TERMINAL, defaults={"location": "Demo / 演示"}
    )
    return terminal


def demo_contact(facility: Facility) -> Contact | None:
    """The family the demo's video visit is for: the first approved, signed-in family contact."""
    return (
        Contact.objects.filter(
            prisoner__facility=facility,
            status=Contact.Status.APPROVED,
            visitor__user__isnull=False,
        )
        .exclude(relationship=Relationship.LEGAL)
        .select_related("visitor", "prisoner")
        .order_by("pk")
        .first()
    )


def demo_call_booking(facility: Facility, officer: User) -> Booking | None:
    """Today's demo video visit at the demo terminal: the one not yet over, or a new one.

    It starts at the next five minutes plus five, so the join page is open at
    once. Booked by the officer past the allowance (written reason), because
    no family could book at such short notice; nothing is made after 23:00.
    """
    terminal = demo_terminal(facility)
    now = timezone.now()
    current = Booking.objects.filter(
        slot__terminal=terminal, ends_at__gt=now, status__in=ACTIVE_STATUSES
    ).first()
    contact = demo_contact(facility)
    if current is not None or contact is None:
        return current
    local = now.astimezone(facility.zone)
    start = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=10 - local.minute % 5)
    end = start + dt.timedelta(minutes=DEMO_CALL_MINUTES)
    if end.date() != start.date():
        return None
    try:
        return _book(facility, terminal, contact, officer, start, end)
    except IntegrityError:
        return None  # the demo prisoner is busy then; the demo goes on without a call


def one_visit_slot(
    facility: Facility,
    terminal: Terminal,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    booked_count: int = 0,
) -> Slot:
    """A one-seat slot at a terminal outside the weekly pattern, with its one-day template.

    Used by the demo and by the tests of video visits, which need a visit at a
    chosen minute rather than at the facility's published times.
    """
    local = starts_at.astimezone(facility.zone)
    template = SessionTemplate.objects.create(
        facility=facility,
        weekday=local.weekday(),
        start_time=local.time(),
        # A visit crossing local midnight keeps a well-ordered weekly pattern.
        end_time=max(
            ends_at.astimezone(facility.zone).time(), (local + dt.timedelta(seconds=1)).time()
        ),
        terminal=terminal,
        capacity=1,
        valid_from=local.date(),
        valid_to=local.date(),
    )
    return Slot.objects.create(
        facility=facility,
        template=template,
        terminal=terminal,
        date=local.date(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=1,
        booked_count=booked_count,
    )


def _book(
    facility: Facility,
    terminal: Terminal,
    contact: Contact,
    officer: User,
    start: dt.datetime,
    end: dt.datetime,
) -> Booking:
    with transaction.atomic():
        slot = one_visit_slot(facility, terminal, starts_at=start, ends_at=end, booked_count=1)
        booking = Booking.objects.create(
            reference=new_reference(),
            facility=facility,
            slot=slot,
            prisoner=contact.prisoner,
            kind=VisitKind.VIDEO,
            starts_at=start,
            ends_at=end,
            created_by=officer,
            idempotency_key=f"demo-call-{start:%Y%m%d%H%M}",
            request_fingerprint="demo",
            allowance_override_reason=DEMO_NOTE,
        )
        BookingVisitor.objects.create(booking=booking, visitor=contact.visitor)
    return booking
