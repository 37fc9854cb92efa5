"""Prisoners: senior staff change a record, or transfer or release someone.

A prisoner who leaves (transfer or release, by hand or through the import)
has every future booking cancelled explicitly: the seat and the allowance
go back and the family is told. The prisoner row is locked first, as
booking_create locks it, so a booking racing a release either commits
before (and is cancelled here) or waits and is refused for a prisoner no
longer in custody.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.people import hooks
from apps.people.models import Prisoner
from apps.policy.models import Level

RELEASE_REACH_DAYS = 366  # how far back a release may be recorded
# Sentence dates outside these are typing or mapping errors (a year 1 or 9999 once
# crashed every page that worked out the prisoner's stage).
EARLIEST_SENTENCE_DAY = dt.date(1950, 1, 1)
LATEST_SENTENCE_DAY = dt.date(2199, 12, 31)
# The fields a change or an import may set, in the order a report lists them.
FIELDS = (
    "full_name",
    "unit",
    "level",
    "legal_status",
    "sentence_start",
    "sentence_end",
    "status",
)
Values = dict[str, Any]


def prisoner_change(
    *,
    actor: User,
    prisoner: Prisoner,
    level: Level | None = None,
    unit: str | None = None,
    sentence_start: dt.date | None = None,
    sentence_end: dt.date | None = None,
    legal_status: str | None = None,
    clear_sentence_end: bool = False,
) -> Prisoner:
    """Change level, unit, legal status or sentence dates; None leaves a field as it is.

    ``clear_sentence_end`` empties the end date (an indeterminate sentence),
    which None cannot say. Nothing is written when nothing changes.
    """
    require_staff(actor, prisoner.facility_id, "prisoners_edit")
    wanted: Values = {
        name: value
        for name, value in (
            ("level", level),
            ("unit", unit.strip() if unit is not None else None),
            ("legal_status", legal_status),
            ("sentence_start", sentence_start),
            ("sentence_end", sentence_end),
        )
        if value is not None
    }
    if clear_sentence_end:
        wanted["sentence_end"] = None
    with transaction.atomic():
        prisoner = _lock(prisoner)
        errors = prisoner_values_rule_errors(
            prisoner.facility_id, {**_values_of(prisoner), **wanted}
        )
        if errors:
            raise errors[0]
        changed = prisoner_values_diff(prisoner, wanted)
        if not changed:
            return prisoner
        before = {name: prisoner_values_shown(getattr(prisoner, name)) for name in changed}
        prisoner_values_assign(prisoner, wanted)
        prisoner.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="prisoner.change",
            target=prisoner,
            facility_id=prisoner.facility_id,
            before=before,
            after={name: prisoner_values_shown(getattr(prisoner, name)) for name in changed},
        )
    return prisoner


def prisoner_transfer(
    *, actor: User, prisoner: Prisoner, destination: str, reason: str
) -> Prisoner:
    """Record that a prisoner has gone to another prison; future visits are cancelled."""
    require_staff(actor, prisoner.facility_id, "prisoners_edit")
    if not destination.strip():
        raise ValidationError(
            _("Write where the prisoner is being transferred to."), code="destination_required"
        )
    return _leave(
        actor, prisoner, Prisoner.Status.TRANSFERRED, reason, destination=destination.strip()
    )


def prisoner_release(
    *, actor: User, prisoner: Prisoner, reason: str, released_on: dt.date | None = None
) -> Prisoner:
    """Record a release (today unless a past date is given); future visits are cancelled."""
    require_staff(actor, prisoner.facility_id, "prisoners_edit")
    today = prisoner.facility.local_today()
    released_on = released_on or today
    if released_on > today:
        raise ValidationError(
            _("Record a release on the day it happens, not before."), code="released_on_future"
        )
    if released_on < today - dt.timedelta(days=RELEASE_REACH_DAYS):
        # A release is recorded as it happens; a date years back is a typing or mapping error.
        raise ValidationError(
            _("The release date must be within the last %(days)d days."),
            code="released_on_too_old",
            params={"days": RELEASE_REACH_DAYS},
        )
    return _leave(
        actor, prisoner, Prisoner.Status.RELEASED, reason, released_on=released_on.isoformat()
    )


def _leave(actor: User, prisoner: Prisoner, status: str, reason: str, **details: str) -> Prisoner:
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Write the reason; families whose visits are cancelled will see it."),
            code="reason_required",
        )
    with transaction.atomic():
        prisoner = _lock(prisoner)
        if not prisoner.is_in_custody:
            raise ValidationError(
                _("This prisoner is not held here any more."), code="not_in_custody"
            )
        prisoner.status = status
        prisoner.save(update_fields=["status"])
        cancelled = hooks.future_visits_cancel(
            actor=actor, prisoner_ids=[prisoner.pk], reason=reason
        )
        audit_record(
            actor=actor,
            action=f"prisoner.{status}",
            target=prisoner,
            facility_id=prisoner.facility_id,
            reason=reason,
            cancelled=cancelled,
            **details,
        )
    return prisoner


def _lock(prisoner: Prisoner) -> Prisoner:
    return (
        Prisoner.objects.select_for_update(of=("self",))
        .select_related("facility", "level")
        .get(pk=prisoner.pk)
    )


def _values_of(prisoner: Prisoner) -> Values:
    return {name: getattr(prisoner, name) for name in FIELDS}


def prisoner_values_rule_errors(facility_id: int, values: Values) -> list[ValidationError]:
    """What the record's rules refuse in a full set of values (the database holds them too)."""
    errors = []
    level = values.get("level")
    if level is not None and level.facility_id != facility_id:
        errors.append(
            ValidationError(_("Choose a level of this prison's policy."), code="level_facility")
        )
    if len(values.get("unit") or "") > 60:
        errors.append(ValidationError(_("A unit has at most 60 characters."), code="unit_length"))
    if values.get("legal_status") not in Prisoner.LegalStatus.values:
        errors.append(
            ValidationError(
                _("The legal status is either on remand or sentenced."), code="legal_status"
            )
        )
    start, end = values.get("sentence_start"), values.get("sentence_end")
    if values.get("legal_status") == Prisoner.LegalStatus.SENTENCED and start is None:
        errors.append(
            ValidationError(
                _("A sentenced prisoner needs the date the sentence started."),
                code="sentence_start_required",
            )
        )
    for name, day in (("sentence_start", start), ("sentence_end", end)):
        if day is not None and not EARLIEST_SENTENCE_DAY <= day <= LATEST_SENTENCE_DAY:
            errors.append(
                ValidationError(
                    _("A sentence date must fall between %(first)s and %(last)s."),
                    code=f"{name}_implausible",
                    params={
                        "first": EARLIEST_SENTENCE_DAY.isoformat(),
                        "last": LATEST_SENTENCE_DAY.isoformat(),
                    },
                )
            )
    if start is not None and end is not None and end <= start:
        errors.append(
            ValidationError(
                _("The sentence must end after it starts."), code="sentence_end_before_start"
            )
        )
    return errors


def prisoner_values_diff(prisoner: Prisoner, values: Values) -> list[str]:
    """The fields whose wanted value differs from the record, in FIELDS order."""
    return [
        name
        for name in FIELDS
        if name in values and _comparable(values[name]) != _comparable(getattr(prisoner, name))
    ]


def _comparable(value: Any) -> Any:
    return value.pk if isinstance(value, Level) else value


def prisoner_values_assign(prisoner: Prisoner, values: Values) -> None:
    for name, value in values.items():
        setattr(prisoner, name, value)


def prisoner_values_shown(value: Any) -> Any:
    """A value as the audit trail keeps it: a level by its code, a date in ISO form."""
    if isinstance(value, Level):
        return value.code
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
