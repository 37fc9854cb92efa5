"""A facility's dated visiting times: made from the templates, and one time's capacity."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.facilities import hooks
from apps.facilities.models import (
    Facility,
    Room,
    SessionTemplate,
    Slot,
)


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


def check_capacity_fits(room: Room | None, capacity: int, *, minimum: int) -> None:
    if capacity < minimum:
        message = (
            _("The capacity must be at least 1.")
            if minimum
            else _("The capacity cannot be below 0.")
        )
        raise ValidationError(message, code="capacity_too_low")
    if room is not None and capacity > room.capacity:
        raise ValidationError(
            _("%(room)s has %(tables)d tables; the capacity cannot be more than that."),
            code="capacity_above_tables",
            params={"room": room.name, "tables": room.capacity},
        )


def slot_capacity_set(*, actor: User, slot: Slot, capacity: int, reason: str) -> Slot:
    """Set one slot's capacity. A cut below its bookings cancels the excess, newest first.

    Each excess booking is cancelled through booking_cancel with ``reason``, so
    its seat and allowance come back and the family is told; none is lost
    silently. Visitors already checked in cannot be cancelled, so the capacity
    cannot go below them.
    """
    require_staff(actor, slot.facility_id, "schedules_edit")
    if not (reason or "").strip():
        raise ValidationError(
            _("Write the reason for the change; families whose visits are cancelled will see it."),
            code="reason_required",
        )
    with transaction.atomic():
        slot = (
            Slot.objects.select_for_update(of=("self",))
            .select_related("room", "facility")
            .get(pk=slot.pk)
        )
        if slot.starts_at <= timezone.now():
            raise ValidationError(
                _("This time has already begun; its capacity can no longer be changed."),
                code="slot_past",
            )
        check_capacity_fits(slot.room, capacity, minimum=0)
        cancelled = hooks.seats_cut(
            actor=actor, slot=slot, capacity=capacity, reason=reason.strip()
        )
        before = slot.capacity
        Slot.objects.filter(pk=slot.pk).update(capacity=capacity)
        slot.refresh_from_db()
        audit_record(
            actor=actor,
            action="slot.capacity",
            target=slot,
            facility_id=slot.facility_id,
            before=before,
            after=capacity,
            reason=reason.strip(),
            cancelled=cancelled,
        )
    return slot
