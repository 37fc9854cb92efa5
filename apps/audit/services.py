from typing import Any

from django.db import models

from apps.audit.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None,
    facility_id: int | None = None,
    ip_address: str | None = None,
    **data: Any,
) -> AuditEvent:
    """Write one audit event; called inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        facility_id=facility_id,
        ip_address=ip_address,
        data=data,
    )
