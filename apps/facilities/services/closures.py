"""Closing a date or one visiting time; the bookings it hits are cancelled by the bookings layer (facilities.hooks)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.facilities import hooks
from apps.facilities.models import (
    Closure,
    Facility,
    Slot,
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
    require_staff(actor, facility.pk, "schedules_edit")
    day = _closure_day(facility, reason, date, slot)
    with transaction.atomic():
        # Lock the day's slots first: a booking racing this closure either
        # commits before (and is cancelled below) or waits and sees the closure.
        slots = Slot.objects.select_for_update().filter(facility=facility, date=day)
        list(slots.filter(pk=slot.pk) if slot is not None else slots.order_by("pk"))
        closure = Closure.objects.create(
            facility=facility, date=date, slot=slot, reason=reason.strip(), created_by=actor
        )
        cancelled = hooks.closed_visits_cancel(actor=actor, closure=closure)
        audit_record(
            actor=actor,
            action="closure.create",
            target=closure,
            facility_id=facility.pk,
            reason=closure.reason,
            cancelled=cancelled,
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
