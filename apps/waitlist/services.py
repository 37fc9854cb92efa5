"""The waitlist: join, offer a freed seat with a hold, accept it, let a hold lapse.

An offer takes the seat with the same conditional update a booking uses, so
the slot's check constraint still forbids overbooking; accepting gives the
held seat back and books it in one transaction, so nobody can slip in
between; the allowance is checked when offering (counting offers still open)
and again by booking_create, whose counter is a check constraint too.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.bookings import rules
from apps.bookings.models import Booking
from apps.bookings.selectors import (
    allowance_left,
    bookable_dates,
    booking_facts,
    slot_is_closed,
)
from apps.bookings.services import booking_create, seat_return, seat_take
from apps.facilities.models import Slot
from apps.notifications.models import Message
from apps.notifications.render import site_link
from apps.notifications.services import message_queue
from apps.people.models import Contact, Prisoner, Visitor
from apps.people.services.minimum import lock_prisoners
from apps.policy.kinds import VisitKind
from apps.waitlist.models import WaitlistEntry

Status = WaitlistEntry.Status


def _kind_slots(facility_id: int, day: dt.date, kind: str) -> QuerySet[Slot]:
    slots = Slot.objects.filter(facility_id=facility_id, date=day)
    if kind == VisitKind.VIDEO:
        return slots.filter(terminal__isnull=False)
    return slots.filter(room__isnull=False)


def waitlist_join(
    *, actor: User, visitor: Visitor, prisoner: Prisoner, day: dt.date, kind: str
) -> WaitlistEntry:
    """Wait for a seat on a full date; the family must be an approved contact."""
    if visitor.user_id != actor.pk:
        raise PermissionDenied(_("You can only join the waitlist for yourself."))
    if not Contact.objects.filter(
        visitor=visitor, prisoner=prisoner, status=Contact.Status.APPROVED
    ).exists():
        raise PermissionDenied(
            _("You may only book visits with a relative you are approved to visit.")
        )
    if kind not in (VisitKind.IN_PERSON, VisitKind.VIDEO):
        raise ValidationError(_("Choose an in-person or a video visit."), code="kind")
    first, last = bookable_dates(prisoner.facility)
    if not first <= day <= last:
        raise ValidationError(_("This date is outside the booking window."), code="outside_window")
    waitlist_check_full(prisoner=prisoner, day=day, kind=kind)
    with transaction.atomic():
        if WaitlistEntry.objects.filter(
            visitor=visitor,
            prisoner=prisoner,
            date=day,
            kind=kind,
            status__in=[Status.WAITING, Status.OFFERED],
        ).exists():
            raise ValidationError(
                _("You are already on the waitlist for this date."), code="already_waiting"
            )
        entry = WaitlistEntry.objects.create(
            visitor=visitor, prisoner=prisoner, facility=prisoner.facility, date=day, kind=kind
        )
        audit_record(
            actor=actor,
            action="waitlist.join",
            target=entry,
            facility_id=prisoner.facility_id,
            date=day.isoformat(),
            kind=kind,
        )
    return entry


def waitlist_check_full(*, prisoner: Prisoner, day: dt.date, kind: str) -> None:
    """One waits only for a date that has visits of this kind and no free place in any of them."""
    slots = _kind_slots(prisoner.facility_id, day, kind).filter(starts_at__gt=timezone.now())
    if not slots.exists():
        raise ValidationError(_("There are no visits of this kind on this date."), code="no_slots")
    if slots.filter(booked_count__lt=F("capacity")).exists():
        raise ValidationError(
            _("There are still free places on this date: book one instead."), code="not_full"
        )


def waitlist_leave(*, actor: User, entry: WaitlistEntry) -> WaitlistEntry:
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        if entry.visitor.user_id != actor.pk:
            raise PermissionDenied(_("This waitlist place is not yours."))
        if entry.status not in (Status.WAITING, Status.OFFERED):
            raise ValidationError(_("You are no longer on this waitlist."), code="not_waiting")
        if entry.status == Status.OFFERED:
            _give_back_seat(entry)
        _close(entry, Status.WITHDRAWN)
        audit_record(
            actor=actor, action="waitlist.leave", target=entry, facility_id=entry.facility_id
        )
    return entry


def waitlist_accept(*, actor: User, entry: WaitlistEntry) -> Booking:
    """Book the held seat: the hold is given back and the booking takes it, in one transaction."""
    with transaction.atomic():
        lock_prisoners([entry.prisoner_id])
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("visitor")
            .get(pk=entry.pk)
        )
        if entry.visitor.user_id != actor.pk:
            raise PermissionDenied(_("This waitlist place is not yours."))
        if entry.status != Status.OFFERED or entry.hold_until is None:
            raise ValidationError(_("No seat is held for you now."), code="no_offer")
        if entry.hold_until <= timezone.now():
            raise ValidationError(_("The time to accept this seat has passed."), code="hold_lapsed")
        assert entry.slot_id is not None  # an offer holds a slot (check constraint)
        _give_back_seat(entry)
        booking = booking_create(
            actor=actor,
            slot_id=entry.slot_id,
            prisoner_id=entry.prisoner_id,
            visitor_ids=[entry.visitor_id],
            kind=entry.kind,
            idempotency_key=f"waitlist-{entry.pk}",
        )
        entry.booking = booking
        _close(entry, Status.ACCEPTED, keep_slot=True)
        audit_record(
            actor=actor,
            action="waitlist.accept",
            target=entry,
            facility_id=entry.facility_id,
            booking=booking.reference,
        )
    return booking


def _give_back_seat(entry: WaitlistEntry) -> None:
    assert entry.slot_id is not None
    seat_return(entry.slot_id)


def _close(entry: WaitlistEntry, status: str, *, keep_slot: bool = False) -> None:
    entry.status = status
    entry.hold_until = None
    if not keep_slot:
        entry.slot = None
    entry.save(update_fields=["status", "hold_until", "slot", "booking"])


def waitlist_return_holds(*, slot: Slot) -> int:
    """Put the families holding seats in ``slot`` back in line, their place kept (a capacity cut).

    Call with the slot locked; a hold is not a booking, so it gives way before any booking does.
    """
    returned = 0
    for entry in WaitlistEntry.objects.select_for_update(of=("self",)).filter(
        slot=slot, status=Status.OFFERED
    ):
        _give_back_seat(entry)
        _close(entry, Status.WAITING)
        audit_record(
            actor=None, action="waitlist.hold_returned", target=entry, facility_id=entry.facility_id
        )
        returned += 1
    return returned


def waitlist_release_lapsed(*, now: dt.datetime | None = None) -> int:
    """Give back seats whose hold ran out, or whose time was closed or has begun."""
    now = now or timezone.now()
    released = 0
    offered = WaitlistEntry.objects.filter(status=Status.OFFERED).select_related("slot")
    for candidate in offered:
        with transaction.atomic():
            entry = (
                WaitlistEntry.objects.select_for_update(of=("self",))
                .select_related("slot__facility")
                .filter(pk=candidate.pk, status=Status.OFFERED)
                .first()
            )
            if entry is None or entry.slot is None:
                continue
            if entry.hold_until and entry.hold_until > now and not _slot_gone(entry.slot, now):
                continue
            _give_back_seat(entry)
            _close(entry, Status.LAPSED)
            audit_record(
                actor=None, action="waitlist.lapsed", target=entry, facility_id=entry.facility_id
            )
            released += 1
    return released


def _slot_gone(slot: Slot, now: dt.datetime) -> bool:
    return slot.starts_at <= now or slot_is_closed(slot)


def waitlist_offer_seats(*, now: dt.datetime | None = None) -> int:
    """Offer every free seat on a waited-for date to the first eligible family in line."""
    now = now or timezone.now()
    groups = (
        WaitlistEntry.objects.filter(status=Status.WAITING)
        .values_list("facility_id", "date", "kind")
        .distinct()
    )
    return sum(_offer_group(facility_id, day, kind, now) for facility_id, day, kind in groups)


def _offer_group(facility_id: int, day: dt.date, kind: str, now: dt.datetime) -> int:
    offered = 0
    with transaction.atomic():
        waiting = WaitlistEntry.objects.filter(
            facility_id=facility_id, date=day, kind=kind, status=Status.WAITING
        )
        # Prisoners first, then slots: the order booking_create locks them in.
        lock_prisoners(set(waiting.values_list("prisoner_id", flat=True)))
        slots = list(
            _kind_slots(facility_id, day, kind)
            .select_for_update(of=("self",))
            .select_related("facility", "template")
            .filter(starts_at__gt=now, booked_count__lt=F("capacity"))
            .order_by("starts_at", "pk")
        )
        line = in_line(
            list(waiting.select_related("visitor__user", "prisoner__facility", "prisoner__level"))
        )
        for slot in slots:
            if slot_is_closed(slot):
                continue
            for _seat in range(slot.capacity - slot.booked_count):
                entry = _first_eligible(line, slot, now)
                if entry is None:
                    break
                line.remove(entry)
                _offer(entry, slot, now)
                offered += 1
    return offered


def in_line(entries: list[WaitlistEntry]) -> list[WaitlistEntry]:
    """Fewest visits of this kind in the period first (for the prisoner), then the earliest to ask."""

    def used(entry: WaitlistEntry) -> int:
        left = allowance_left(prisoner=entry.prisoner, kind=entry.kind, day=entry.date)
        return left.used if left else 0

    return sorted(entries, key=lambda e: (used(e), e.created_at, e.pk))


def _first_eligible(
    line: list[WaitlistEntry], slot: Slot, now: dt.datetime
) -> WaitlistEntry | None:
    for entry in line:
        if _eligible(entry, slot, now):
            return entry
    return None


def _eligible(entry: WaitlistEntry, slot: Slot, now: dt.datetime) -> bool:
    """Would booking_create accept this family for this slot now (with the open offers counted)?

    The seat is offered to the visitor who waited, coming alone, as accepting books it.
    """
    visitor = entry.visitor
    proposal = rules.Proposal(entry.prisoner, slot, entry.kind, [visitor], booked_by=visitor.user)
    if rules.refusal(proposal, booking_facts(proposal), now) is not None:
        return False
    return _allowance_room(entry) > 0


def _allowance_room(entry: WaitlistEntry) -> int:
    left = allowance_left(prisoner=entry.prisoner, kind=entry.kind, day=entry.date)
    if left is None:
        return 1
    open_offers = WaitlistEntry.objects.filter(
        prisoner=entry.prisoner,
        kind=entry.kind,
        status=Status.OFFERED,
        date__gte=left.allowance.start,
        date__lt=left.allowance.end,
    ).count()
    return left.left - open_offers


def _offer(entry: WaitlistEntry, slot: Slot, now: dt.datetime) -> None:
    # Never held past the moment the seat stops being bookable: the family could not take it.
    hold_until = min(
        now + dt.timedelta(minutes=settings.WAITLIST_HOLD_MINUTES), slot.bookable_until
    )
    # Conditional: a family that left the list while this round ran stays gone.
    if not WaitlistEntry.objects.filter(pk=entry.pk, status=Status.WAITING).update(
        status=Status.OFFERED, slot=slot, hold_until=hold_until
    ):
        return
    if not seat_take(slot.pk):
        WaitlistEntry.objects.filter(pk=entry.pk, status=Status.OFFERED).update(
            status=Status.WAITING, slot=None, hold_until=None
        )
        return
    slot.booked_count += 1
    entry.status, entry.slot, entry.hold_until = Status.OFFERED, slot, hold_until
    zone = slot.facility.zone
    message_queue(
        recipient=entry.visitor,
        kind=Message.Kind.WAITLIST_OFFER,
        prisoner=entry.prisoner.full_name,
        when=f"{slot.starts_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})",
        until=f"{entry.hold_until.astimezone(zone):%Y-%m-%d %H:%M}",
        link=site_link(reverse("portal:waitlist")),
    )
    audit_record(
        actor=None,
        action="waitlist.offer",
        target=entry,
        facility_id=entry.facility_id,
        slot=slot.pk,
        hold_until=entry.hold_until.isoformat(),
    )
