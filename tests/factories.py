"""Small builders for the suite: plain functions with sensible defaults.

Each returns a saved object; keyword arguments override any field.
"""

import datetime as dt
import itertools

from apps.accounts.models import StaffRole, User
from apps.facilities.models import Facility, Room, SessionTemplate, Slot, Terminal
from apps.people.models import Contact, Prisoner, Visitor
from apps.policy.models import Level
from lib.crypto import digest
from lib.identity import resident_id_check_digit

_seq = itertools.count(1)


def resident_id(born: dt.date, region: str = "650102") -> str:
    # A running number, not a random one: two visitors never share a document.
    first17 = f"{region}{born:%Y%m%d}{next(_seq) % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def user(**fields) -> User:
    n = next(_seq)
    fields.setdefault("username", f"user{n}")
    fields.setdefault("full_name", f"User {n}")
    return User.objects.create_user(password="correct horse battery", **fields)


def facility(**fields) -> Facility:
    n = next(_seq)
    fields.setdefault("name", f"Facility {n}")
    fields.setdefault("code", f"facility-{n}")
    fields.setdefault("min_notice_days", 0)
    fields.setdefault("max_notice_days", 28)
    return Facility.objects.create(**fields)


def level(facility: Facility, **fields) -> Level:
    n = next(_seq)
    fields.setdefault("code", f"level-{n}")
    fields.setdefault("name", f"Level {n}")
    fields.setdefault("in_person_per_month", 2)
    fields.setdefault("video_per_month", 2)
    return Level.objects.create(facility=facility, **fields)


def staff(facility: Facility, role: str = StaffRole.Role.OFFICER, **fields) -> User:
    person = user(**fields)
    StaffRole.objects.create(user=person, facility=facility, role=role)
    return person


def prisoner(facility: Facility, **fields) -> Prisoner:
    n = next(_seq)
    fields.setdefault("number", f"P{n:06d}")
    fields.setdefault("full_name", f"Prisoner {n}")
    fields.setdefault("unit", "1")
    today = facility.local_today()
    fields.setdefault("sentence_start", today - dt.timedelta(days=3 * 365))
    fields.setdefault("sentence_end", today + dt.timedelta(days=3 * 365))
    if fields.get("level") is None:
        fields["level"] = level(facility)
    return Prisoner.objects.create(facility=facility, **fields)


def visitor(*, born: dt.date = dt.date(1980, 5, 17), with_user: bool = True, **fields) -> Visitor:
    n = next(_seq)
    number = fields.pop("document_number", None) or resident_id(born)
    fields.setdefault("full_name", f"Visitor {n}")
    fields.setdefault("phone", "+8613800138000")
    fields.setdefault("document_type", "resident_id")
    if with_user:
        fields.setdefault("user", user(full_name=fields["full_name"]))
    return Visitor.objects.create(
        date_of_birth=born, document_number=number, document_digest=digest(number), **fields
    )


def contact(visitor: Visitor, prisoner: Prisoner, **fields) -> Contact:
    fields.setdefault("relationship", "parent")
    fields.setdefault("status", Contact.Status.APPROVED)
    return Contact.objects.create(visitor=visitor, prisoner=prisoner, **fields)


def room(facility: Facility, **fields) -> Room:
    n = next(_seq)
    fields.setdefault("name", f"Room {n}")
    fields.setdefault("capacity", 10)
    return Room.objects.create(facility=facility, **fields)


def terminal(facility: Facility, **fields) -> Terminal:
    n = next(_seq)
    fields.setdefault("name", f"Terminal {n}")
    return Terminal.objects.create(facility=facility, **fields)


_room, _terminal = room, terminal


def slot(
    facility: Facility,
    *,
    days_ahead: int = 3,
    on: dt.date | None = None,
    start: dt.time = dt.time(9, 0),
    minutes: int = 45,
    capacity: int = 5,
    room: Room | None = None,
    terminal: Terminal | None = None,
    video: bool = False,
) -> Slot:
    """A slot on a local date (``on``, or ``days_ahead`` days from today in the facility's
    zone), with its template."""
    if video and terminal is None:
        terminal = _terminal(facility)
    if terminal is None and room is None:
        room = _room(facility)
    day = on or facility.local_today() + dt.timedelta(days=days_ahead)
    end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)).time()
    template = SessionTemplate.objects.create(
        facility=facility,
        weekday=day.weekday(),
        start_time=start,
        end_time=end,
        room=room,
        terminal=terminal,
        capacity=capacity,
        valid_from=day,
    )
    return Slot.objects.create(
        facility=facility,
        template=template,
        room=room,
        terminal=terminal,
        date=day,
        starts_at=dt.datetime.combine(day, start, tzinfo=facility.zone),
        ends_at=dt.datetime.combine(day, end, tzinfo=facility.zone),
        capacity=capacity,
    )


def family_booking(visitor: Visitor, prisoner: Prisoner, slot: Slot, **options):
    """A visit booked by a family member for itself through the booking rules."""
    from apps.bookings.services import booking_create

    return booking_create(
        actor=visitor.user,  # a family member with an account
        slot_id=slot.pk,
        prisoner_id=prisoner.pk,
        visitor_ids=[visitor.pk],
        kind=options.pop("kind", "video" if slot.is_video else "in_person"),
        idempotency_key=options.pop("key", None) or f"factory-{next(_seq)}",
        **options,
    )
