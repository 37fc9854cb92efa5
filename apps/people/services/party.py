"""A visitor agrees to come to visits that another family books, and may take it back.

The member gives the consent by typing the mobile number of the family who books; the
host never asks for it. The answer is the same whether or not the number belongs to a
registered family, so the page cannot be used to learn who has an account or their name.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.people.models import PartyConsent, Visitor
from lib.phones import normalize_phone


@transaction.atomic
def party_consent_give(*, actor: User, member: Visitor, host_phone: str) -> PartyConsent | None:
    """``member`` may now be brought by the family that signs in with ``host_phone``; None if
    no family signs in with it (the caller says the same either way)."""
    if member.user_id != actor.pk:
        raise PermissionDenied(_("This is not your profile."))
    phone = normalize_phone(host_phone)
    if phone in (member.phone, actor.get_username()):
        raise ValidationError(
            _("This is your own number. Enter the number of the family member who books."),
            code="own_phone",
        )
    # A family signs in with its mobile number: that is the account's user name.
    host = Visitor.objects.filter(user__username=phone).exclude(pk=member.pk).first()
    if host is None:
        return None
    consent, created = PartyConsent.objects.get_or_create(host=host, member=member)
    if created:
        audit_record(actor=actor, action="party.consent_given", target=member, host=host.pk)
    return consent


@transaction.atomic
def party_consent_withdraw(*, actor: User, consent: PartyConsent) -> None:
    """The member takes the consent back: no new visit may bring them; visits already booked
    stay booked (the member sees them in their list, and may cancel them there)."""
    if consent.member.user_id != actor.pk:
        raise PermissionDenied(_("This is not your profile."))
    audit_record(
        actor=actor, action="party.consent_withdrawn", target=consent.member, host=consent.host_id
    )
    consent.delete()
