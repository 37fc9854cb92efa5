"""Facilities in the integration API: the caller's facilities, their published rules, open slots."""

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import model_validator

from apps.api import selectors
from apps.api.auth import READ, principal
from apps.api.pagination import Page
from apps.api.schemas import PROBLEMS, IsoDate
from apps.facilities.models import Facility
from apps.facilities.selectors import schedule_days, visiting_hours
from apps.policy.selectors import allowance_table

router = Router(tags=["facilities"], auth=READ)

Code = Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]{1,40}$")]
# How far from today a slot query may reach, and how many days one query may cover.
REACH_DAYS = 366
MAX_RANGE_DAYS = 31


class FacilityOut(Schema):
    code: str
    name: str
    time_zone: str
    booking_mode: str


class Disclosure(Schema):
    """What every visitor is told before a visit (legal visits: never recorded or supervised)."""

    video_visits_recorded: bool
    visits_supervised: bool
    recording_retention_days: int
    legal_visits_recorded: bool = False
    legal_visits_supervised: bool = False


class Limits(Schema):
    min_notice_days: int
    max_notice_days: int
    max_visitors: int
    max_adults: int
    max_children: int
    adult_age: int
    minimum_visits_per_month: int
    remand_in_person_per_week: int
    remand_video_per_week: int


class StageOut(Schema):
    stage: str
    label: str
    months: int | None


class LevelAllowanceOut(Schema):
    code: str
    name: str
    visitors: int
    in_person_per_month: dict[str, int]  # by stage
    video_per_month: dict[str, int]


# A weekly time is a wall-clock time in the facility's zone, with no offset of its own
# (JSON Schema's "time" format demands one), so it is written as HH:MM.
LocalTime = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["09:30"])]


class VisitingTimeOut(Schema):
    weekday: int  # 0 is Monday
    start: LocalTime
    end: LocalTime
    kind: Literal["in_person", "video"]
    room: str
    closed_room: bool
    levels: list[str]


class FacilityDetail(FacilityOut):
    address: str
    what_to_bring: str
    limits: Limits
    disclosure: Disclosure
    stages: list[StageOut]
    allowances: list[LevelAllowanceOut]
    visiting_hours: list[VisitingTimeOut]


class SlotFilters(Schema):
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    kind: Literal["in_person", "video"] | None = None

    @model_validator(mode="after")
    def bounded(self) -> "SlotFilters":
        # Sanity bounds only: the server's date is near enough here. The default
        # week starts on the prison's own today, which the view knows (date_range).
        today = timezone.localdate()
        first = self.date_from or today
        if abs((first - today).days) > REACH_DAYS:
            raise ValueError(
                gettext("The first date must be within %(days)d days of today.")
                % {"days": REACH_DAYS}
            )
        last = self.date_to or first + dt.timedelta(days=6)
        if last < first:
            raise ValueError(gettext("The last date cannot be before the first."))
        if (last - first).days >= MAX_RANGE_DAYS:
            raise ValueError(
                gettext("One query covers at most %(days)d days.") % {"days": MAX_RANGE_DAYS}
            )
        return self

    def date_range(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The dates asked for: a week from the prison's ``today`` unless told."""
        first = self.date_from or today
        return first, self.date_to or first + dt.timedelta(days=6)


class SlotOut(Schema):
    id: int
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: Literal["in_person", "video"]
    place: str
    capacity: int
    booked: int
    seats_left: int
    closed: bool
    closure_reason: str


def _facility(request: HttpRequest, code: str) -> Facility:
    facility = selectors.facility_of(principal(request), code)
    if facility is None:
        raise Http404
    return facility


@router.get("/facilities", response={200: list[FacilityOut], **PROBLEMS}, summary="List facilities")
@paginate(Page)
def facility_list(request: HttpRequest) -> object:
    """The facilities this caller works for (one for a token)."""
    return selectors.facilities_of(principal(request))


@router.get(
    "/facilities/{code}",
    response={200: FacilityDetail, **PROBLEMS},
    summary="A facility and its published rules",
)
def detail(request: HttpRequest, code: Code) -> FacilityDetail:
    facility = _facility(request, code)
    return FacilityDetail(
        code=facility.code,
        name=facility.name,
        time_zone=facility.time_zone,
        booking_mode=facility.booking_mode,
        address=facility.address,
        what_to_bring=facility.what_to_bring,
        limits=Limits.model_validate(facility, from_attributes=True),
        disclosure=Disclosure.model_validate(facility, from_attributes=True),
        **_allowances(facility),
        visiting_hours=[
            VisitingTimeOut(
                weekday=day.weekday,
                start=f"{time.start:%H:%M}",
                end=f"{time.end:%H:%M}",
                kind="video" if time.is_video else "in_person",
                room=time.room,
                closed_room=time.is_closed_room,
                levels=time.levels,
            )
            for day in visiting_hours(facility)
            for time in day.times
        ],
    )


def _allowances(facility: Facility) -> dict[str, list]:
    """The published allowance table, worked out as the booking engine works it."""
    table = allowance_table(facility)
    return {
        "stages": [
            StageOut(stage=s.stage, label=str(s.label), months=s.months) for s in table.stages
        ],
        "allowances": [
            LevelAllowanceOut(
                code=row.level.code,
                name=row.level.name,
                visitors=row.visitors,
                in_person_per_month={s.stage: s.in_person for s in row.stages},
                video_per_month={s.stage: s.video for s in row.stages},
            )
            for row in table.levels
        ],
    }


@router.get(
    "/facilities/{code}/slots",
    response={200: list[SlotOut], **PROBLEMS},
    summary="Visiting slots and seats left over a date range",
)
@paginate(Page)
def slots(request: HttpRequest, code: Code, filters: Query[SlotFilters]) -> object:
    """Slots of [date_from, date_to] that can still be booked (at most 31 days; a week from the
    prison's today by default)."""
    facility = _facility(request, code)
    now = timezone.now()
    first, last = filters.date_range(facility.local_today(now))
    return [
        SlotOut(
            id=row.slot.pk,
            date=row.slot.date,
            starts_at=row.slot.starts_at,
            ends_at=row.slot.ends_at,
            kind="video" if row.slot.is_video else "in_person",
            place=str(row.slot.room or row.slot.terminal),
            capacity=row.slot.capacity,
            booked=row.slot.booked_count,
            seats_left=row.slot.seats_left,
            closed=row.closure is not None,
            closure_reason=row.closure.reason if row.closure else "",
        )
        for day in schedule_days(facility, first, last)
        for row in day.slots
        if row.slot.bookable_until > now  # only what can still be booked
        and (filters.kind is None or (filters.kind == "video") == row.slot.is_video)
    ]
