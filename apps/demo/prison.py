"""The demo prison itself: the facility, its policy and levels, its rooms, terminals and
weekly visiting times, and its staff."""

import datetime as dt
from typing import Any

from apps.accounts.models import StaffRole, User
from apps.facilities.models import Facility, Room, SessionTemplate, Terminal
from apps.policy.kinds import Stage
from apps.policy.models import Level, StageRule

FACILITY_CODE = "tianshan"
# (role, username, password) of the demo staff; the Makefile prints these too.
DEMO_LOGINS = [
    ("officer", "officer", "visitline-officer"),
    ("supervisor", "supervisor", "visitline-supervisor"),
    ("administrator", "admin", "visitline-admin"),
]
STAFF_NAMES = {"officer": "古丽娜尔·艾山", "supervisor": "王建军", "administrator": "系统管理员"}
ADULT_AGE = 18

LEVELS = (
    # code, name, rank, in-person/month, video/month, in-person minutes, video minutes, visitors
    ("strict", "严管", 1, 1, 1, 30, 20, 2),
    ("ordinary", "普管", 2, 2, 2, 40, 25, None),
    ("lenient", "宽管", 3, 3, 4, 45, 30, None),
)
ROOMS = (("第一会见室", 12, False), ("第二会见室", 8, False), ("隔离会见室", 4, True))
TERMINALS = (
    ("视频终端 1", "一监区"),
    ("视频终端 2", "三监区"),
    ("视频终端 3", "五监区"),
    ("视频终端 4", "七监区"),
)
# Xinjiang keeps Beijing time while its day runs about two hours later, so
# visiting hours sit in the late morning and the late afternoon.
ROOM_DAYS = {"第一会见室": (1, 2, 3, 4, 5, 6), "第二会见室": (4, 5, 6), "隔离会见室": (1, 3, 5)}
ROOM_STARTS = {
    "第一会见室": ("10:30", "11:30", "16:30", "17:30"),
    "第二会见室": ("10:30", "11:30", "16:30", "17:30"),
    "隔离会见室": ("10:30", "16:30"),
}
ROOM_MINUTES = 45
VIDEO_STARTS = ("11:00", "11:30", "12:00", "12:30", "17:00", "17:30", "18:00", "18:30")
VIDEO_MINUTES = 30
# Sunday evening in the big room, open to the lenient level only.
LENIENT_EVENING = (6, "19:00")


def create_facility() -> Facility:
    return Facility.objects.create(
        code=FACILITY_CODE,
        name="天山监狱",
        time_zone="Asia/Shanghai",
        address="新疆维吾尔自治区乌鲁木齐市天山区示范路 1 号(虚构地址)",
        min_notice_days=1,
        booking_closes_at=dt.time(17, 0),  # by 17:00 the day before
        max_notice_days=28,
        max_visitors=3,
        max_adults=3,
        max_children=2,
        adult_age=ADULT_AGE,
        minimum_visits_per_month=1,
        remand_in_person_per_week=1,
        remand_video_per_week=1,
    )


def create_policy(facility: Facility) -> dict[str, Level]:
    levels = {}
    for code, name, rank, in_person, video, in_minutes, video_minutes, visitors in LEVELS:
        levels[code] = Level.objects.create(
            facility=facility,
            code=code,
            name=name,
            rank=rank,
            in_person_per_month=in_person,
            video_per_month=video,
            in_person_minutes=in_minutes,
            video_minutes=video_minutes,
            max_visitors=visitors,
        )
    StageRule.objects.create(facility=facility, stage=Stage.ENTRY, months=3, extra_video=1)
    StageRule.objects.create(
        facility=facility, stage=Stage.PRE_RELEASE, months=6, extra_in_person=1, extra_video=1
    )
    return levels


def create_places(facility: Facility, lenient: Level, today: dt.date) -> None:
    rooms = {
        name: Room.objects.create(facility=facility, name=name, capacity=tables, is_closed=closed)
        for name, tables, closed in ROOMS
    }
    terminals = [
        Terminal.objects.create(facility=facility, name=name, location=location)
        for name, location in TERMINALS
    ]
    # Templates have applied since a month ago, so the pattern looks lived-in.
    since = today - dt.timedelta(days=30)
    templates = [
        _template(facility, day, start, ROOM_MINUTES, since, room=room, capacity=room.capacity)
        for name, room in rooms.items()
        for day in ROOM_DAYS[name]
        for start in ROOM_STARTS[name]
    ]
    # One terminal hosts one visit at a time, so each video session seats one.
    templates += [
        _template(facility, day, start, VIDEO_MINUTES, since, terminal=terminal, capacity=1)
        for terminal in terminals
        for day in range(7)
        for start in VIDEO_STARTS
    ]
    SessionTemplate.objects.bulk_create(templates)
    day, start = LENIENT_EVENING
    room = rooms["第一会见室"]
    evening = _template(
        facility, day, start, ROOM_MINUTES, since, room=room, capacity=room.capacity
    )
    evening.save()
    evening.levels.add(lenient)


def _template(
    facility: Facility, weekday: int, start: str, minutes: int, since: dt.date, **place: Any
) -> SessionTemplate:
    begins = dt.datetime.strptime(start, "%H:%M")
    return SessionTemplate(
        facility=facility,
        weekday=weekday,
        start_time=begins.time(),
        end_time=(begins + dt.timedelta(minutes=minutes)).time(),
        valid_from=since,
        **place,
    )


def ensure_staff(facility: Facility) -> dict[str, User]:
    """The demo logins; an existing account keeps its password, only its role is ensured."""
    staff = {}
    for role, username, password in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            is_admin = role == StaffRole.Role.ADMINISTRATOR
            user = User(
                username=username,
                full_name=STAFF_NAMES[role],
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            user.set_password(password)
            user.save()
        StaffRole.objects.get_or_create(user=user, facility=facility, defaults={"role": role})
        staff[role] = user
    return staff


# --- prisoners -------------------------------------------------------------------
