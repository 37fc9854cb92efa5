"""Contacts: a family asks to visit a prisoner; staff approve, reject or suspend."""

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.notifications.services import messages_for_contact
from apps.people import hooks
from apps.people.models import Contact, Prisoner, Relationship, Visitor
from apps.people.services.minimum import lock_prisoners, refuse_below_minimum
from lib.numbers import normalize_prisoner_number


def contact_request(
    *, actor: User, visitor: Visitor, prisoner: Prisoner, relationship: str
) -> Contact:
    """Ask for a visitor to be linked to a prisoner; staff approve it later."""
    if not (actor.is_authenticated and visitor.user_id == actor.pk):
        require_staff(actor, prisoner.facility_id, "approvals")
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


# One answer for a wrong number and a wrong name, so numbers cannot be fished.
NOT_FOUND = _(
    "No prisoner with this number and name is held at this prison. Check both and try again."
)


def contact_request_by_number(
    *,
    actor: User,
    visitor: Visitor,
    facility_id: int,
    number: str,
    full_name: str,
    relationship: str,
) -> Contact:
    """A family asks to visit someone it names by prison number and full name; both must match."""
    prisoner = Prisoner.objects.filter(
        facility_id=facility_id,
        number=normalize_prisoner_number(number),
        status=Prisoner.Status.IN_CUSTODY,
    ).first()
    if prisoner is None or not same_name(prisoner.full_name, full_name):
        raise ValidationError(NOT_FOUND, code="not_found")
    if relationship == Relationship.LEGAL:
        raise ValidationError(_("Choose the relationship from the list."), code="relationship")
    return contact_request(
        actor=actor, visitor=visitor, prisoner=prisoner, relationship=relationship
    )


def same_name(recorded: str, given: str) -> bool:
    """Names match whatever the spacing, case, full-width forms or the dot between names."""

    def canonical(name: str) -> str:
        name = unicodedata.normalize("NFKC", name).casefold()
        return "".join(ch for ch in name if ch.isalnum())

    return canonical(recorded) == canonical(given) and bool(canonical(given))


SUSPENSION_HORIZON = dt.timedelta(days=3650)
_TELL_FAMILY: dict[str, str] = {
    Contact.Status.APPROVED: "contact_approved",
    Contact.Status.REJECTED: "contact_rejected",
}

_DECISIONS: dict[str, set[str]] = {
    Contact.Status.APPROVED: {Contact.Status.PENDING, Contact.Status.SUSPENDED},
    Contact.Status.REJECTED: {Contact.Status.PENDING},
    Contact.Status.SUSPENDED: {Contact.Status.APPROVED},
}


@transaction.atomic
def contact_decide(*, actor: User, contact: Contact, status: str, reason: str = "") -> Contact:
    """Approve, reject or suspend a contact; a refusal needs a reason the family sees."""
    require_staff(actor, contact.prisoner.facility_id, "approvals")
    lock_prisoners([contact.prisoner_id])
    contact = (
        Contact.objects.select_for_update().select_related("prisoner__facility").get(pk=contact.pk)
    )
    if status not in _DECISIONS or contact.status not in _DECISIONS[status]:
        raise ValidationError(
            _("This request cannot be changed that way now."), code="contact_transition"
        )
    reason = reason.strip()
    if status != Contact.Status.APPROVED and not reason:
        raise ValidationError(
            _("Write the reason; the family will see it."), code="reason_required"
        )
    if status == Contact.Status.SUSPENDED:
        # A suspension has no end date, so it must keep the minimum like a ban.
        now = timezone.now()
        refuse_below_minimum(removed=[contact], starts_at=now, ends_at=now + SUSPENSION_HORIZON)
        hooks.future_visits_cancel(
            actor=actor,
            prisoner_ids=[contact.prisoner_id],
            reason=reason,
            visitor_id=contact.visitor_id,
        )
    contact.status = status
    contact.decision_reason = reason
    contact.decided_by = actor
    contact.decided_at = timezone.now()
    contact.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    if status in _TELL_FAMILY:
        messages_for_contact(contact=contact, kind=_TELL_FAMILY[status], reason=reason)
    audit_record(
        actor=actor,
        action=f"contact.{status}",
        target=contact,
        facility_id=contact.prisoner.facility_id,
        reason=reason,
    )
    return contact


UNANSWERED_REASON = _(
    "The prison did not answer your request in time. You may ask again; we are sorry for the wait."
)


def contacts_decline_unanswered(*, now: dt.datetime | None = None) -> int:
    """Decline requests left pending past the deadline, so no family waits forever (run by the worker).

    The family is told why (in its language, when the message is sent) and
    the decision is audited with no staff actor.
    """
    from django.conf import settings

    now = now or timezone.now()
    deadline = now - dt.timedelta(days=settings.CONTACT_REQUEST_DEADLINE_DAYS)
    declined = 0
    for pk in Contact.objects.filter(
        status=Contact.Status.PENDING, created_at__lt=deadline
    ).values_list("pk", flat=True):
        with transaction.atomic():
            contact = (
                Contact.objects.select_for_update()
                .select_related("prisoner")
                .filter(pk=pk, status=Contact.Status.PENDING)
                .first()
            )
            if contact is None:
                continue
            contact.status = Contact.Status.REJECTED
            contact.decision_reason = str(UNANSWERED_REASON)
            contact.decided_at = now
            contact.save(update_fields=["status", "decision_reason", "decided_at"])
            messages_for_contact(contact=contact, kind="contact_unanswered")
            audit_record(
                actor=None,
                action="contact.expired",
                target=contact,
                facility_id=contact.prisoner.facility_id,
                deadline_days=settings.CONTACT_REQUEST_DEADLINE_DAYS,
            )
            declined += 1
    return declined
