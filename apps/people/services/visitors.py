"""Visitors: registering a verified identity, and the language they want messages in."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.people.models import Visitor
from lib import identity
from lib.crypto import digest
from lib.names import clean_name
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
    full_name = clean_name(full_name)
    if not full_name:
        raise ValidationError(
            _("Enter the full name as written on the identity document."), code="name"
        )
    if date_of_birth < identity.EARLIEST_BIRTH:
        raise ValidationError(
            _("The date of birth cannot be before 1900. Check the year."), code="birth_date_early"
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
    # A visitor belongs to no facility: the server's date (the furthest zone east
    # the project serves), so a birth today anywhere is never called the future.
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


def visitor_set_language(*, actor: User, visitor: Visitor, language: str) -> Visitor:
    if visitor.user_id != actor.pk:
        raise PermissionDenied(_("This is not your profile."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language from the list."), code="language")
    visitor.preferred_language = language
    visitor.save(update_fields=["preferred_language"])
    return visitor


def visitor_set_email(*, actor: User, visitor: Visitor, email: str) -> Visitor:
    """An optional address for messages; blank stops e-mail (SMS always goes to the phone)."""
    if visitor.user_id != actor.pk:
        raise PermissionDenied(_("This is not your profile."))
    email = email.strip()
    if email:
        validate_email(email)
    visitor.email = email
    visitor.save(update_fields=["email"])
    return visitor
