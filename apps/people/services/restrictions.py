"""Restrictions: time-limited, reasoned, audited, and never below the published minimum."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.people import hooks
from apps.people.models import Contact, Relationship, Restriction, Visitor
from apps.people.services.minimum import lock_prisoners, refuse_below_minimum


@transaction.atomic
def restriction_create(
    *,
    actor: User,
    facility_id: int,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    visitor: Visitor | None = None,
    contact: Contact | None = None,
) -> Restriction:
    """Limit a visitor or one contact for a stated time and a written reason.

    A ban that would leave a prisoner with no adult family member able to
    visit would take contact below the published minimum: it is refused, and
    the officer is pointed at closed visits instead. Bookings the restriction
    forbids are cancelled explicitly, never left to fail at the gate.
    """
    require_staff(actor, facility_id, "restrictions_edit")
    _validate(kind, starts_at, ends_at, reason, visitor, contact)
    if contact is not None and contact.prisoner.facility_id != facility_id:
        raise PermissionDenied(_("This contact belongs to another facility."))
    affected = _affected_contacts(facility_id, visitor, contact)
    lock_prisoners(c.prisoner_id for c in affected)
    if kind == Restriction.Kind.BAN:
        refuse_below_minimum(removed=affected, starts_at=starts_at, ends_at=ends_at)
    restriction = Restriction.objects.create(
        facility_id=facility_id,
        visitor=visitor,
        contact=contact,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        set_by=actor,
    )
    cancelled = hooks.restricted_visits_cancel(
        actor=actor, restriction=restriction, contacts=affected
    )
    audit_record(
        actor=actor,
        action="restriction.create",
        target=restriction,
        facility_id=facility_id,
        kind=kind,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
        reason=restriction.reason,
        cancelled=cancelled,
    )
    return restriction


def _validate(
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    visitor: Visitor | None,
    contact: Contact | None,
) -> None:
    if (visitor is None) == (contact is None):
        raise ValidationError(
            _("A restriction is on one visitor or on one contact."), code="target"
        )
    if kind not in Restriction.Kind.values:
        raise ValidationError(_("Choose the kind of restriction from the list."), code="kind")
    if not (reason or "").strip():
        raise ValidationError(_("A restriction needs a written reason."), code="reason_required")
    if ends_at <= starts_at:
        raise ValidationError(
            _("A restriction must end after it starts."), code="ends_before_start"
        )
    if ends_at <= timezone.now():
        raise ValidationError(_("This restriction would already have ended."), code="already_ended")


def _affected_contacts(
    facility_id: int, visitor: Visitor | None, contact: Contact | None
) -> list[Contact]:
    """The approved family contacts at this facility that the restriction reaches."""
    contacts = Contact.objects.filter(
        prisoner__facility_id=facility_id, status=Contact.Status.APPROVED
    )
    contacts = (
        contacts.filter(pk=contact.pk) if contact is not None else contacts.filter(visitor=visitor)
    )
    return list(
        contacts.exclude(relationship=Relationship.LEGAL).select_related("prisoner__facility")
    )


# Ending a restriction early is a senior's decision, like setting one in the console.


@transaction.atomic
def restriction_end(
    *, actor: User, restriction: Restriction, reason: str, ip_address: str | None = None
) -> Restriction:
    """End a restriction now, with a written reason; the record stays, with its new end.

    One that has not started yet is withdrawn: its span collapses to the moment
    it was ended, so it never applies. The original times are kept in the audit
    event. Bookings it cancelled stay cancelled; the family can book again.
    """
    require_staff(actor, restriction.facility_id, "restrictions_edit")
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Write why the restriction ends early."), code="reason_required")
    now = timezone.now()
    if restriction.ends_at <= now:
        raise ValidationError(_("This restriction has already ended."), code="already_ended")
    was_starts_at, was_ends_at = restriction.starts_at, restriction.ends_at
    restriction.ends_at = now
    restriction.starts_at = min(restriction.starts_at, now - dt.timedelta(microseconds=1))
    restriction.save(update_fields=["starts_at", "ends_at"])
    audit_record(
        actor=actor,
        action="restriction.end",
        target=restriction,
        facility_id=restriction.facility_id,
        ip_address=ip_address,
        reason=reason,
        ended_at=now.isoformat(),
        was_starts_at=was_starts_at.isoformat(),
        was_ends_at=was_ends_at.isoformat(),
    )
    return restriction
