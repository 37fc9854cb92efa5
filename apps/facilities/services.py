import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.facilities import hooks
from apps.facilities.models import (
    Closure,
    Facility,
    Room,
    SessionTemplate,
    Slot,
    Terminal,
    validate_time_zone,
)
from apps.policy.models import Level


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


# Session templates, slots and their capacity: the console's schedule changes.
# Who may make them: "schedules_edit" in apps/accounts/permissions.py.


class TemplateFields(TypedDict, total=False):
    weekday: int
    start_time: dt.time
    end_time: dt.time
    room: Room | None
    terminal: Terminal | None
    capacity: int
    valid_from: dt.date
    valid_to: dt.date | None
    levels: Iterable[Level]


@dataclass(frozen=True)
class _Pattern:
    """A template's values as they would be after a create or a change."""

    weekday: int
    start_time: dt.time
    end_time: dt.time
    room: Room | None
    terminal: Terminal | None
    capacity: int
    valid_from: dt.date
    valid_to: dt.date | None
    levels: tuple[Level, ...]


def session_template_create(
    *,
    actor: User,
    facility: Facility,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    capacity: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    room: Room | None = None,
    terminal: Terminal | None = None,
    levels: Iterable[Level] = (),
) -> SessionTemplate:
    """Add a weekly visiting time and generate its slots for the booking window."""
    require_staff(actor, facility.pk, "schedules_edit")
    pattern = _Pattern(
        weekday, start_time, end_time, room, terminal, capacity, valid_from, valid_to, tuple(levels)
    )
    with transaction.atomic():
        pattern = _check_pattern(facility, pattern, template=None)
        template = SessionTemplate.objects.create(
            facility=facility,
            **{f: getattr(pattern, f) for f in _TEMPLATE_COLUMNS},
        )
        template.levels.set(pattern.levels)
        audit_record(
            actor=actor,
            action="template.create",
            target=template,
            facility_id=facility.pk,
            **_pattern_record(pattern),
        )
        slots_generate(facility=facility)
    return template


def session_template_change(
    *, actor: User, template: SessionTemplate, **fields: Unpack[TemplateFields]
) -> SessionTemplate:
    """Change a weekly visiting time; slots already generated keep their times and capacity.

    Existing slots hold bookings that families have planned around, so a
    change reaches only the slots generated from now on; a slot's own
    capacity or a closure changes the ones that exist.
    """
    facility = template.facility
    require_staff(actor, facility.pk, "schedules_edit")
    with transaction.atomic():
        template = SessionTemplate.objects.select_for_update().get(pk=template.pk)
        before = _pattern_of(template)
        changes: dict[str, Any] = dict(fields)
        if "levels" in changes:
            changes["levels"] = tuple(changes["levels"])
        pattern = _check_pattern(facility, replace(before, **changes), template=template)
        for name in _TEMPLATE_COLUMNS:
            setattr(template, name, getattr(pattern, name))
        template.save(update_fields=list(_TEMPLATE_COLUMNS))
        template.levels.set(pattern.levels)
        audit_record(
            actor=actor,
            action="template.change",
            target=template,
            facility_id=facility.pk,
            before=_pattern_record(before),
            after=_pattern_record(pattern),
        )
        slots_generate(facility=facility)
    return template


_TEMPLATE_COLUMNS = (
    "weekday",
    "start_time",
    "end_time",
    "room",
    "terminal",
    "capacity",
    "valid_from",
    "valid_to",
)


def _pattern_of(template: SessionTemplate) -> _Pattern:
    return _Pattern(
        template.weekday,
        template.start_time,
        template.end_time,
        template.room,
        template.terminal,
        template.capacity,
        template.valid_from,
        template.valid_to,
        tuple(template.levels.all()),
    )


def _pattern_record(pattern: _Pattern) -> dict[str, Any]:
    """The pattern as JSON for the audit trail."""
    return {
        "weekday": pattern.weekday,
        "start_time": pattern.start_time.isoformat(),
        "end_time": pattern.end_time.isoformat(),
        "room": pattern.room.pk if pattern.room else None,
        "terminal": pattern.terminal.pk if pattern.terminal else None,
        "capacity": pattern.capacity,
        "valid_from": pattern.valid_from.isoformat(),
        "valid_to": pattern.valid_to.isoformat() if pattern.valid_to else None,
        "levels": sorted(level.pk for level in pattern.levels),
    }


def _check_pattern(
    facility: Facility, pattern: _Pattern, template: SessionTemplate | None
) -> _Pattern:
    """Refuse a pattern that cannot be run; returns it with its room or terminal locked.

    Locking the room or terminal serialises every template write on it, so two
    officers cannot each add one half of an overlap at the same moment.
    """
    if pattern.weekday not in SessionTemplate.Weekday.values:
        raise ValidationError(_("Choose a day of the week."), code="weekday")
    if pattern.end_time <= pattern.start_time:
        raise ValidationError(
            _("A visiting time must end after it starts."), code="ends_before_start"
        )
    place = _locked_place(facility, pattern, template)
    pattern = (
        replace(pattern, room=place, terminal=None)
        if isinstance(place, Room)
        else replace(pattern, room=None, terminal=place)
    )
    _check_capacity_fits(pattern.room, pattern.capacity, minimum=1)
    if pattern.valid_to is not None and pattern.valid_to < pattern.valid_from:
        raise ValidationError(
            _("The last valid day cannot be before the first."), code="validity_ordered"
        )
    if any(level.facility_id != facility.pk for level in pattern.levels):
        raise ValidationError(_("Choose levels of this facility's policy."), code="levels")
    _refuse_overlap(facility, pattern, template)
    if template is not None:
        _refuse_orphaned_slots(template, pattern)
    return pattern


def _locked_place(
    facility: Facility, pattern: _Pattern, template: SessionTemplate | None
) -> Room | Terminal:
    if (pattern.room is None) == (pattern.terminal is None):
        raise ValidationError(
            _("Choose a room for in-person visits or a terminal for video visits: one of the two."),
            code="place",
        )
    model: type[Room] | type[Terminal] = Room if pattern.room is not None else Terminal
    chosen = pattern.room or pattern.terminal
    assert chosen is not None
    place = model.objects.select_for_update().filter(pk=chosen.pk).first()
    if place is None or place.facility_id != facility.pk:
        raise ValidationError(
            _("This room or terminal belongs to another facility."), code="place_wrong_facility"
        )
    unchanged = template is not None and (template.room_id, template.terminal_id) == (
        pattern.room.pk if pattern.room else None,
        pattern.terminal.pk if pattern.terminal else None,
    )
    if not place.is_active and not unchanged:
        raise ValidationError(
            _("%(place)s is not in use."), code="place_not_in_use", params={"place": place.name}
        )
    return place


def _check_capacity_fits(room: Room | None, capacity: int, *, minimum: int) -> None:
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


def _refuse_overlap(
    facility: Facility, pattern: _Pattern, template: SessionTemplate | None
) -> None:
    """Two templates may not share a room or terminal at the same time on overlapping dates."""
    place = Q(room=pattern.room) if pattern.room is not None else Q(terminal=pattern.terminal)
    clashes = SessionTemplate.objects.filter(
        place,
        facility=facility,
        weekday=pattern.weekday,
        start_time__lt=pattern.end_time,
        end_time__gt=pattern.start_time,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=pattern.valid_from))
    if pattern.valid_to is not None:
        clashes = clashes.filter(valid_from__lte=pattern.valid_to)
    if template is not None:
        clashes = clashes.exclude(pk=template.pk)
    clash = clashes.select_related("room", "terminal").order_by("valid_from", "pk").first()
    if clash is None:
        return
    params = {
        "place": str(clash.room or clash.terminal),
        "weekday": clash.get_weekday_display(),
        "start": f"{clash.start_time:%H:%M}",
        "end": f"{clash.end_time:%H:%M}",
        "valid_from": formats.date_format(clash.valid_from),
        "valid_to": formats.date_format(clash.valid_to) if clash.valid_to else "",
    }
    message = (
        _(
            "This overlaps another visiting time of %(place)s: %(weekday)s %(start)s–%(end)s, "
            "valid from %(valid_from)s to %(valid_to)s. Change the day, the hours or the dates."
        )
        if clash.valid_to
        else _(
            "This overlaps another visiting time of %(place)s: %(weekday)s %(start)s–%(end)s, "
            "valid from %(valid_from)s with no end date. Change the day, the hours or the dates."
        )
    )
    raise ValidationError(message, code="overlap", params=params)


def _refuse_orphaned_slots(template: SessionTemplate, pattern: _Pattern) -> None:
    """Slots already generated must stay inside the template's dates; ending early is a retirement."""
    outside = template.slots.filter(date__lt=pattern.valid_from)
    if pattern.valid_to is not None:
        outside = outside | template.slots.filter(date__gt=pattern.valid_to)
    first = outside.order_by("date").first()
    if first is not None:
        raise ValidationError(
            _(
                "This time already has visits on %(day)s, outside the new dates. "
                "To end it earlier, retire it: that deals with the bookings already made."
            ),
            code="validity_excludes_slots",
            params={"day": formats.date_format(first.date)},
        )


def session_template_retire(
    *, actor: User, template: SessionTemplate, last_day: dt.date, reason: str = ""
) -> SessionTemplate:
    """End a weekly visiting time after ``last_day``; the template and its past stay on record.

    Of the slots after the last day, an empty one is deleted, so families are
    never offered it. One that any booking or closure refers to is kept for the
    record and closed through closure_create, which cancels its bookings
    explicitly (seat and allowance returned, the family told, with ``reason``).
    """
    facility = template.facility
    require_staff(actor, facility.pk, "schedules_edit")
    with transaction.atomic():
        template = SessionTemplate.objects.select_for_update().get(pk=template.pk)
        template_last_day_check(template, last_day)
        # Locked so that no booking slips onto a slot while it is being deleted.
        later = list(
            Slot.objects.select_for_update()
            .filter(template=template, date__gt=last_day)
            .order_by("pk")
        )
        ids = [s.pk for s in later]
        kept, booked = hooks.slots_with_visits(slot_ids=ids)
        if booked and not (reason or "").strip():
            raise ValidationError(
                _("Bookings will be cancelled: write the reason the families will see."),
                code="reason_required",
            )
        kept |= set(Closure.objects.filter(slot_id__in=ids).values_list("slot_id", flat=True))
        template.valid_to = last_day
        template.save(update_fields=["valid_to"])
        closures = [
            closure_create(
                actor=actor,
                facility=facility,
                slot=slot,
                reason=(reason or "").strip() or str(_("This visiting time has ended.")),
            )
            for slot in later
            if slot.pk in kept and not slot.closures.exists()
        ]
        deleted = [s.date.isoformat() for s in later if s.pk not in kept]
        Slot.objects.filter(pk__in=[s.pk for s in later if s.pk not in kept]).delete()
        audit_record(
            actor=actor,
            action="template.retire",
            target=template,
            facility_id=facility.pk,
            last_day=last_day.isoformat(),
            reason=(reason or "").strip(),
            slots_deleted=deleted,
            slots_closed=[c.slot_id for c in closures],
        )
    return template


def template_last_day_check(template: SessionTemplate, last_day: dt.date) -> None:
    """Refuse a last day in the past, before the template begins, or not before its end."""
    if last_day < template.facility.local_today():
        raise ValidationError(_("The last day cannot be in the past."), code="last_day_past")
    if last_day < template.valid_from:
        raise ValidationError(
            _("This time only starts on %(day)s; the last day cannot be before that."),
            code="last_day_before_start",
            params={"day": formats.date_format(template.valid_from)},
        )
    if template.valid_to is not None and last_day >= template.valid_to:
        raise ValidationError(
            _("This time already ends on %(day)s."),
            code="last_day_already_ended",
            params={"day": formats.date_format(template.valid_to)},
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
        _check_capacity_fits(slot.room, capacity, minimum=0)
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


@transaction.atomic
def facility_time_zone_set(*, actor: User | None, facility: Facility, time_zone: str) -> Facility:
    """Move a facility to another time zone, its future times kept at their wall-clock hours.

    Refused while any future seat is taken (a booking or a held waitlist seat): a
    family was told a time, and the change would move it under them. Without
    them, each future slot keeps its date and local hours in the new zone, so
    ``slot.date`` always agrees with its local start. ``actor`` None is the
    server's own command line (manage.py facility_time_zone).
    """
    if actor is not None:
        require_staff(actor, facility.pk, "facility_settings")
    validate_time_zone(time_zone)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if time_zone == facility.time_zone:
        return facility
    future = Slot.objects.filter(facility=facility, ends_at__gt=timezone.now())
    taken = future.filter(booked_count__gt=0).count()
    if taken:
        raise ValidationError(
            ngettext_lazy(
                "%(count)d future visiting time has seats taken. Families were told their times: change the time zone once none are booked.",
                "%(count)d future visiting times have seats taken. Families were told their times: change the time zone once none are booked.",
                "count",
            ),
            code="zone_has_bookings",
            params={"count": taken},
        )
    old, new = facility.zone, ZoneInfo(time_zone)
    slots = list(future)
    for slot in slots:
        slot.starts_at = slot.starts_at.astimezone(old).replace(tzinfo=new)
        slot.ends_at = slot.ends_at.astimezone(old).replace(tzinfo=new)
    Slot.objects.bulk_update(slots, ["starts_at", "ends_at"], batch_size=500)
    before = facility.time_zone
    facility.time_zone = time_zone
    facility.save(update_fields=["time_zone"])
    facility.__dict__.pop("zone", None)  # the cached zone is the old one
    audit_record(
        actor=actor,
        action="facility.time_zone",
        target=facility,
        facility_id=facility.pk,
        before=before,
        after=time_zone,
        slots_moved=len(slots),
    )
    return facility
