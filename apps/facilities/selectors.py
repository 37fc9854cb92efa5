import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from apps.facilities.models import Closure, Facility, SessionTemplate, Slot

if TYPE_CHECKING:
    pass


@dataclass
class OpenTime:
    """One visiting time as the public sees it: video terminals at the same time count as one."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    room: str  # empty for a video visit
    seats_left: int = 0

    @property
    def is_video(self) -> bool:
        return not self.room


@dataclass
class Day:
    date: dt.date
    times: list[OpenTime] = field(default_factory=list)


def upcoming_days(facility: Facility, days: int = 7) -> list[Day]:
    """Open slots in the facility's booking window, grouped by local date, closures left out."""
    now = timezone.now()
    today = facility.local_today(now)
    first = facility.first_bookable_day(now)
    last = min(
        today + dt.timedelta(days=facility.max_notice_days), first + dt.timedelta(days=days - 1)
    )
    closed_dates = Closure.objects.filter(facility=facility, date__range=(first, last)).values(
        "date"
    )
    closed_slots = Closure.objects.filter(facility=facility, slot__isnull=False).values("slot_id")
    slots = (
        Slot.objects.filter(facility=facility, date__range=(first, last), starts_at__gt=now)
        .exclude(Q(date__in=closed_dates) | Q(pk__in=closed_slots))
        .select_related("room", "terminal", "facility")
        .order_by("starts_at", "id")
    )
    grouped: dict[dt.date, Day] = {}
    times: dict[tuple[dt.datetime, dt.datetime, str], OpenTime] = {}
    for slot in slots:
        room = slot.room.name if slot.room else ""
        key = (slot.starts_at, slot.ends_at, room)
        if key not in times:
            times[key] = OpenTime(slot.starts_at, slot.ends_at, room)
            grouped.setdefault(slot.date, Day(slot.date)).times.append(times[key])
        times[key].seats_left += slot.seats_left
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
        time = _visiting_time(template, today)
        if time not in day.times:  # four terminals at 10:00 are one visiting time
            day.times.append(time)
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


# The console's reads of a facility's schedule.


@dataclass(frozen=True)
class TemplateRow:
    template: SessionTemplate
    state: str  # "current", "future" (not begun yet) or "ended"


@dataclass
class TemplateDay:
    """The session templates of one weekday, by time."""

    weekday: int
    label: StrOrPromise
    rows: list[TemplateRow] = field(default_factory=list)


def templates_by_weekday(facility: Facility) -> list[TemplateDay]:
    """Every template of the facility, retired ones included, grouped by weekday, Monday first."""
    today = facility.local_today()
    templates = (
        SessionTemplate.objects.filter(facility=facility)
        .select_related("room", "terminal")
        .prefetch_related("levels")
        .order_by("weekday", "start_time", "end_time", "valid_from", "id")
    )
    grouped: dict[int, TemplateDay] = {}
    for template in templates:
        grouped.setdefault(
            template.weekday,
            TemplateDay(template.weekday, SessionTemplate.Weekday(template.weekday).label),
        ).rows.append(TemplateRow(template, _template_state(template, today)))
    return list(grouped.values())


def _template_state(template: SessionTemplate, today: dt.date) -> str:
    if template.valid_to is not None and template.valid_to < today:
        return "ended"
    return "future" if template.valid_from > today else "current"


@dataclass
class ScheduleSlot:
    slot: Slot
    closure: Closure | None  # the closure of the slot or of its whole date

    @property
    def is_past(self) -> bool:
        from django.utils import timezone

        return self.slot.starts_at <= timezone.now()


@dataclass
class ScheduleDay:
    date: dt.date
    closure: Closure | None
    slots: list[ScheduleSlot] = field(default_factory=list)


def schedule_days(facility: Facility, first: dt.date, last: dt.date) -> list[ScheduleDay]:
    """Every slot of [first, last] by local date with its bookings count and any closure."""
    slots = (
        Slot.objects.filter(facility=facility, date__range=(first, last))
        .select_related("room", "terminal", "facility")
        .order_by("starts_at", "room__name", "terminal__name", "id")
    )
    closures = Closure.objects.filter(facility=facility).filter(
        Q(date__range=(first, last)) | Q(slot__date__range=(first, last))
    )
    by_date = {c.date: c for c in closures if c.date is not None}
    by_slot = {c.slot_id: c for c in closures if c.slot_id is not None}
    days: dict[dt.date, ScheduleDay] = {}
    for slot in slots:
        day = days.setdefault(slot.date, ScheduleDay(slot.date, by_date.get(slot.date)))
        day.slots.append(ScheduleSlot(slot, by_slot.get(slot.pk) or day.closure))
    return list(days.values())


def slot_of(facility: Facility, slot_id: int) -> Slot | None:
    """A slot of this facility by its id; None for another facility's."""
    return (
        Slot.objects.filter(facility=facility, pk=slot_id)
        .select_related("room", "terminal", "facility", "template")
        .first()
    )


def template_of(facility: Facility, template_id: int) -> SessionTemplate | None:
    """A template of this facility by its id; None for another facility's."""
    return (
        SessionTemplate.objects.filter(facility=facility, pk=template_id)
        .select_related("room", "terminal", "facility")
        .prefetch_related("levels")
        .first()
    )


def upcoming_closures(facility: Facility) -> QuerySet[Closure]:
    """Closures of today or later, whole dates and single slots, soonest first."""
    today = facility.local_today()
    return (
        Closure.objects.filter(facility=facility)
        .filter(Q(date__gte=today) | Q(slot__date__gte=today))
        .select_related("slot__room", "slot__terminal", "slot__facility", "created_by")
        .order_by(Coalesce("date", "slot__date"), "slot__starts_at", "pk")
    )
