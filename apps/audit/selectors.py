"""Reading the audit trail: one facility's events, narrowed by record, person, action and time."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from apps.audit.models import AuditEvent

if TYPE_CHECKING:  # the facility is read, never imported: audit sits below facilities
    from apps.facilities.models import Facility


@dataclass(frozen=True)
class AuditFilters:
    """Each field narrows the list when set; dates are days in the facility's time zone."""

    target_type: str = ""
    target_id: str = ""
    actor: str = ""  # part of the username
    action: str = ""  # the start of the action, e.g. "booking." or "restriction.end"
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive


def audit_events_for(facility: "Facility", filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The facility's audit events, newest first. Read-only: nothing here edits or deletes one."""
    events = AuditEvent.objects.filter(facility=facility).select_related("actor")
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.target_id:
        events = events.filter(target_id=filters.target_id)
    if filters.actor:
        events = events.filter(actor__username__icontains=filters.actor)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.date_from is not None:
        events = events.filter(at__gte=_local_midnight(facility, filters.date_from))
    if filters.date_to is not None:
        next_day = filters.date_to + dt.timedelta(days=1)
        events = events.filter(at__lt=_local_midnight(facility, next_day))
    return events.order_by("-at", "-id")


def _local_midnight(facility: "Facility", day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=facility.zone)
