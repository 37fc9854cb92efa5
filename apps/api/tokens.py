"""API tokens: issue, find by secret, revoke, and note their use.

A token reads ``vl_<prefix>_<secret>``: the prefix (not secret) finds the row,
and only the SHA-256 digest of the whole token is stored. The secret has 256
bits of entropy, so a plain digest is enough and survives a change of
SECRET_KEY.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import StaffRole, User
from apps.accounts.permissions import require_staff
from apps.api.models import ApiToken
from apps.audit.services import audit_record
from apps.facilities.models import Facility

TOKEN_PREFIX = "vl_"
# last_used_at is written at most this often per token, not on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_issue(
    *,
    actor: User | None,
    facility: Facility,
    name: str,
    scope: str,
    role: str = StaffRole.Role.OFFICER,
) -> IssuedToken:
    """Create a token and its system account; ``actor`` None is the server's command line."""
    if actor is not None:
        require_staff(actor, facility.pk, "api_tokens")
    name = name.strip()
    if not name:
        raise ValidationError(_("Name the system this token is for."), code="name_required")
    if scope not in ApiToken.Scope.values:
        raise ValidationError(_("Choose read or write."), code="scope")
    if role not in StaffRole.Role.values:
        raise ValidationError(_("Choose the role the token acts as."), code="role")
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        account = User(username=f"api-token-{prefix}", full_name=f"API: {name}"[:200])
        # A system account: no password, inactive, so it never signs in to a page.
        account.set_unusable_password()
        account.is_active = False
        account.save()
        StaffRole.objects.create(user=account, facility=facility, role=role)
        token = ApiToken.objects.create(
            facility=facility,
            name=name[:100],
            scope=scope,
            role=role,
            prefix=prefix,
            digest=_digest(secret),
            account=account,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="api_token.issue",
            target=token,
            facility_id=facility.pk,
            name=token.name,
            scope=scope,
            role=role,
            prefix=prefix,
        )
    return IssuedToken(token, secret)


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Stop a token working at once; its system account keeps its place in the audit trail."""
    require_staff(actor, token.facility_id, "api_tokens")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        StaffRole.objects.filter(user_id=token.account_id).delete()
        audit_record(
            actor=actor,
            action="api_token.revoke",
            target=token,
            facility_id=token.facility_id,
            prefix=token.prefix,
        )
    return token


def api_token_for_secret(secret: str) -> ApiToken | None:
    """The live token with this secret, or None (unknown, malformed or revoked)."""
    parts = secret.split("_")
    if len(parts) < 3 or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    if not secret.isascii() or not secret.isprintable():  # nothing a database may choke on
        return None
    token = (
        ApiToken.objects.select_related("account", "facility")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    return token


def api_token_touch(token: ApiToken) -> None:
    """Record the use, at most once per TOUCH_EVERY, so a busy token adds no write per request."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now


def api_tokens_of(facility: Facility) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(facility=facility).select_related("created_by", "revoked_by")
