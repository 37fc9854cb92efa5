"""Identity documents: the full number is shown to staff only on purpose, and every time audited."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.people.models import Contact, Visitor

# Seeing a whole document number is a senior's decision; officers work from the masked one.


@transaction.atomic
def visitor_identity_reveal(
    *, actor: User, visitor: Visitor, facility_id: int, ip_address: str | None = None
) -> str:
    """The visitor's full document number, for senior staff of a facility the visitor asked to visit.

    Each reveal writes one audit event (never the number itself), so who looked
    at whose identity, and when, can always be answered.
    """
    require_staff(actor, facility_id, "reveal_identity")
    if not Contact.objects.filter(visitor=visitor, prisoner__facility_id=facility_id).exists():
        raise PermissionDenied(_("This visitor has no contact with a prisoner at this facility."))
    audit_record(
        actor=actor,
        action="visitor.identity_revealed",
        target=visitor,
        facility_id=facility_id,
        ip_address=ip_address,
        document_type=visitor.document_type,
        document=visitor.document_masked,
    )
    return visitor.document_number
