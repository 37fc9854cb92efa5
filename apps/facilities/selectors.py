import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django_stubs_ext import StrOrPromise

from apps.facilities.models import Closure, Facility, SessionTemplate, Slot


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


@dataclass(frozen=True)
class VisitingTime:
    """One weekly visiting time as the public sees it."""

    start: dt.time
    end: dt.time
    is_video: bool
    room: str  # empty for a video time: terminals are inside the prison
    is_closed_room: bool
    levels: list[str]  # empty means every level
    starts_on: dt.date | None  # set only while the time has not begun
    ends_on: dt.date | None


@dataclass
class Weekday:
    weekday: int
    label: StrOrPromise
    times: list[VisitingTime] = field(default_factory=list)


def visiting_hours(facility: Facility) -> list[Weekday]:
    """The weekly visiting times still valid today or later, grouped by weekday, Monday first."""
    today = facility.local_today()
    templates = (
        SessionTemplate.objects.filter(facility=facility)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("room")
        .prefetch_related("levels")
        .order_by("weekday", "start_time", "end_time", "id")
    )
    grouped: dict[int, Weekday] = {}
    for template in templates:
        day = grouped.setdefault(
            template.weekday,
            Weekday(template.weekday, SessionTemplate.Weekday(template.weekday).label),
        )
        day.times.append(_visiting_time(template, today))
    return list(grouped.values())


def _visiting_time(template: SessionTemplate, today: dt.date) -> VisitingTime:
    room = template.room
    return VisitingTime(
        start=template.start_time,
        end=template.end_time,
        is_video=room is None,
        room=room.name if room else "",
        is_closed_room=bool(room and room.is_closed),
        levels=[level.name for level in template.levels.all()],
        starts_on=template.valid_from if template.valid_from > today else None,
        ends_on=template.valid_to,
    )
