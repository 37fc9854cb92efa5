import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.facilities.models import Closure, Facility, SessionTemplate, Slot
from lib.permissions import require_staff


def slots_generate(
    *, facility: Facility, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """Create the slots of every template for each day of [start, end]; returns how many were new.

    Idempotent: a slot that exists is left alone (its bookings and any
    capacity change stay), so the command can run as often as wanted.
    """
    start = start or facility.local_today()
    end = end or start + dt.timedelta(days=facility.max_notice_days)
    templates = SessionTemplate.objects.filter(facility=facility, valid_from__lte=end).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    )
    wanted = [
        _slot_for(template, day, facility)
        for day in _days(start, end)
        for template in templates
        if template.applies_on(day)
    ]
    before = Slot.objects.filter(facility=facility).count()
    Slot.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=500)
    return Slot.objects.filter(facility=facility).count() - before


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _slot_for(template: SessionTemplate, day: dt.date, facility: Facility) -> Slot:
    zone = facility.zone
    return Slot(
        facility=facility,
        template=template,
        room_id=template.room_id,
        terminal_id=template.terminal_id,
        date=day,
        starts_at=dt.datetime.combine(day, template.start_time, tzinfo=zone),
        ends_at=dt.datetime.combine(day, template.end_time, tzinfo=zone),
        capacity=template.capacity,
    )


def closure_create(
    *,
    actor: User,
    facility: Facility,
    reason: str,
    date: dt.date | None = None,
    slot: Slot | None = None,
) -> Closure:
    """Close a date or one slot. Bookings it hits are cancelled explicitly, allowance returned."""
    from apps.bookings.models import Booking, BookingStatus
    from apps.bookings.services import booking_cancel

    require_staff(actor, facility.pk)
    day = _closure_day(facility, reason, date, slot)
    with transaction.atomic():
        # Lock the day's slots first: a booking racing this closure either
        # commits before (and is cancelled below) or waits and sees the closure.
        slots = Slot.objects.select_for_update().filter(facility=facility, date=day)
        list(slots.filter(pk=slot.pk) if slot is not None else slots.order_by("pk"))
        closure = Closure.objects.create(
            facility=facility, date=date, slot=slot, reason=reason.strip(), created_by=actor
        )
        hit = Booking.objects.filter(status=BookingStatus.BOOKED, facility=facility, slot__date=day)
        if slot is not None:
            hit = hit.filter(slot=slot)
        cancelled = [booking_cancel(actor=actor, booking=b, reason=closure.reason) for b in hit]
        audit_record(
            actor=actor,
            action="closure.create",
            target=closure,
            facility_id=facility.pk,
            reason=closure.reason,
            cancelled=[b.reference for b in cancelled],
        )
    return closure


def _closure_day(
    facility: Facility, reason: str, date: dt.date | None, slot: Slot | None
) -> dt.date:
    if not (reason or "").strip():
        raise ValidationError(
            _("A closure needs a reason; families will see it."), code="reason_required"
        )
    if slot is not None and date is None:
        if slot.facility_id != facility.pk:
            raise ValidationError(
                _("This time belongs to another facility."), code="wrong_facility"
            )
        date = slot.date
    elif slot is not None or date is None:
        raise ValidationError(_("Close either a whole date or one time."), code="target")
    if date < facility.local_today():
        raise ValidationError(_("A date in the past cannot be closed."), code="past")
    return date
