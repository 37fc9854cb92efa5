import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.people.models import Contact, Prisoner, Relationship, Restriction, Visitor
from apps.people.selectors import family_contacts_free_of_bans
from lib import identity
from lib.crypto import digest
from lib.permissions import require_staff
from lib.phones import normalize_phone


def visitor_register(
    *,
    actor: User | None,
    full_name: str,
    date_of_birth: dt.date,
    document_type: str,
    document_number: str,
    phone: str,
    preferred_language: str = "zh-hans",
    user: User | None = None,
) -> Visitor:
    """Record a visitor's verified identity; each document may belong to one visitor only."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError(
            _("Enter the full name as written on the identity document."), code="name"
        )
    number = identity.normalize_document(document_type, document_number)
    if (
        document_type == identity.RESIDENT_ID
        and identity.resident_id_birth_date(number) != date_of_birth
    ):
        raise ValidationError(
            _("The date of birth does not match the one inside the resident ID number."),
            code="birth_date_mismatch",
        )
    if date_of_birth > timezone.localdate():
        raise ValidationError(
            _("The date of birth cannot be in the future."), code="birth_date_future"
        )
    visitor = Visitor(
        user=user,
        full_name=full_name,
        date_of_birth=date_of_birth,
        document_type=document_type,
        document_number=number,
        document_digest=digest(number),
        phone=normalize_phone(phone),
        preferred_language=preferred_language,
    )
    try:
        with transaction.atomic():
            visitor.save()
            audit_record(actor=actor, action="visitor.register", target=visitor)
    except IntegrityError as exc:
        raise ValidationError(
            _("A visitor with this identity document is already registered."), code="document_taken"
        ) from exc
    return visitor


def contact_request(
    *, actor: User, visitor: Visitor, prisoner: Prisoner, relationship: str
) -> Contact:
    """Ask for a visitor to be linked to a prisoner; staff approve it later."""
    if visitor.user_id != actor.pk:
        require_staff(actor, prisoner.facility_id)
    if relationship not in Relationship.values:
        raise ValidationError(_("Choose the relationship from the list."), code="relationship")
    if not prisoner.is_in_custody:
        raise ValidationError(_("This prisoner is not held here any more."), code="not_in_custody")
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                visitor=visitor, prisoner=prisoner, relationship=relationship
            )
            audit_record(
                actor=actor,
                action="contact.request",
                target=contact,
                facility_id=prisoner.facility_id,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("This visitor has already asked to visit this prisoner."), code="contact_exists"
        ) from exc
    return contact


_DECISIONS: dict[str, set[str]] = {
    Contact.Status.APPROVED: {Contact.Status.PENDING, Contact.Status.SUSPENDED},
    Contact.Status.REJECTED: {Contact.Status.PENDING},
    Contact.Status.SUSPENDED: {Contact.Status.APPROVED},
}


@transaction.atomic
def contact_decide(*, actor: User, contact: Contact, status: str, reason: str = "") -> Contact:
    """Approve, reject or suspend a contact; a refusal needs a reason the family sees."""
    contact = Contact.objects.select_for_update().select_related("prisoner").get(pk=contact.pk)
    require_staff(actor, contact.prisoner.facility_id)
    if status not in _DECISIONS or contact.status not in _DECISIONS[status]:
        raise ValidationError(
            _("This request cannot be changed that way now."), code="contact_transition"
        )
    reason = reason.strip()
    if status != Contact.Status.APPROVED and not reason:
        raise ValidationError(
            _("Write the reason; the family will see it."), code="reason_required"
        )
    contact.status = status
    contact.decision_reason = reason
    contact.decided_by = actor
    contact.decided_at = timezone.now()
    contact.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=f"contact.{status}",
        target=contact,
        facility_id=contact.prisoner.facility_id,
        reason=reason,
    )
    return contact


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

    A ban that would leave a prisoner with no family member able to visit
    would take contact below the published minimum: it is refused, and the
    officer is pointed at closed visits instead.
    """
    require_staff(actor, facility_id)
    _validate_restriction(kind, starts_at, ends_at, reason, visitor, contact)
    if contact is not None and contact.prisoner.facility_id != facility_id:
        raise PermissionDenied(_("This contact belongs to another facility."))
    if kind == Restriction.Kind.BAN:
        _refuse_ban_below_minimum(facility_id, starts_at, ends_at, visitor, contact)
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
    audit_record(
        actor=actor,
        action="restriction.create",
        target=restriction,
        facility_id=facility_id,
        kind=kind,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
        reason=restriction.reason,
    )
    return restriction


def _validate_restriction(
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


def _refuse_ban_below_minimum(
    facility_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    visitor: Visitor | None,
    contact: Contact | None,
) -> None:
    if contact is not None:
        affected = [contact]
    else:
        affected = list(
            Contact.objects.filter(
                visitor=visitor, prisoner__facility_id=facility_id, status=Contact.Status.APPROVED
            )
            .exclude(relationship=Relationship.LEGAL)
            .select_related("prisoner__facility")
        )
    for banned in affected:
        prisoner = banned.prisoner
        if prisoner.facility.minimum_visits_per_month == 0:
            continue
        others = family_contacts_free_of_bans(
            prisoner_id=prisoner.pk, facility_id=facility_id, starts_at=starts_at, ends_at=ends_at
        )
        if visitor is not None:
            others = others.exclude(visitor=visitor)
        else:
            others = others.exclude(pk=banned.pk)
        if not others.exists():
            raise ValidationError(
                _(
                    "This ban would leave %(prisoner)s with no family member able to visit, below "
                    "the published minimum of %(minimum)d visits a month. Restrict to closed "
                    "visits instead."
                ),
                code="below_minimum",
                params={
                    "prisoner": prisoner.full_name,
                    "minimum": prisoner.facility.minimum_visits_per_month,
                },
            )
