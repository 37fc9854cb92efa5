"""Weekly visiting times (session templates): made, changed and retired.

Who may make these changes: "schedules_edit" in apps/accounts/permissions.py."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

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
)
from apps.facilities.services.closures import closure_create
from apps.facilities.services.slots import check_capacity_fits, slots_generate
from apps.policy.models import Level


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
    check_capacity_fits(pattern.room, pattern.capacity, minimum=1)
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
