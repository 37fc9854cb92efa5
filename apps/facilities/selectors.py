import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from apps.facilities.models import Closure, Facility, Slot


@dataclass
class Day:
    date: dt.date
    slots: list[Slot] = field(default_factory=list)


def upcoming_days(facility: Facility, days: int = 14) -> list[Day]:
    """Open slots in the facility's booking window, grouped by local date, closures left out."""
    today = facility.local_today()
    first = today + dt.timedelta(days=facility.min_notice_days)
    last = min(
        today + dt.timedelta(days=facility.max_notice_days), first + dt.timedelta(days=days - 1)
    )
    closed_dates = Closure.objects.filter(facility=facility, date__range=(first, last)).values(
        "date"
    )
    closed_slots = Closure.objects.filter(facility=facility, slot__isnull=False).values("slot_id")
    slots = (
        Slot.objects.filter(facility=facility, date__range=(first, last))
        .exclude(Q(date__in=closed_dates) | Q(pk__in=closed_slots))
        .select_related("room", "terminal", "facility")
        .order_by("starts_at", "id")
    )
    grouped: dict[dt.date, Day] = {}
    for slot in slots:
        grouped.setdefault(slot.date, Day(slot.date)).slots.append(slot)
    return list(grouped.values())
