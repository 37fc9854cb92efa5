"""Pairing a terminal's browser with its device account through a one-time code."""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.calls.models import TerminalDevice, TerminalPairingCode
from apps.calls.selectors import is_device
from apps.calls.services.calls import device_user
from apps.facilities.models import Terminal
from lib.crypto import digest
from lib.references import ALPHABET

CODE_LENGTH = 8
BAD_CODE = _("This pairing code is not right or has expired. Ask an administrator for a new one.")


def _code_hash(code: str) -> str:
    # A keyed digest: a copy of the table does not give the codes away.
    return digest("terminal-pairing:" + "".join(code.split()).upper())


@transaction.atomic
def terminal_pairing_code_issue(*, actor: User, terminal: Terminal) -> str:
    """A new code for the terminal (earlier unused ones stop working); shown once to the administrator."""
    if is_device(actor):
        raise PermissionDenied
    require_staff(actor, terminal.facility_id, "terminals_manage")
    if not terminal.is_active:
        raise ValidationError(_("This terminal is not in use."), code="inactive")
    TerminalPairingCode.objects.filter(terminal=terminal, used_at__isnull=True).delete()
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = timezone.now()
    TerminalPairingCode.objects.create(
        terminal=terminal,
        code_hash=_code_hash(code),
        issued_by=actor,
        expires_at=now + dt.timedelta(minutes=settings.TERMINAL_PAIRING_CODE_MINUTES),
    )
    audit_record(
        actor=actor,
        action="terminal.pairing_code_issued",
        target=terminal,
        facility_id=terminal.facility_id,
    )
    return code


@transaction.atomic
def terminal_pair(*, code: str, ip_address: str | None = None) -> User:
    """Use a code once: the device account to sign the browser in as; earlier sessions end."""
    now = timezone.now()
    entry = (
        TerminalPairingCode.objects.select_for_update()
        .filter(code_hash=_code_hash(code or ""), used_at__isnull=True, expires_at__gt=now)
        .select_related("terminal")
        .first()
    )
    if entry is None or not entry.terminal.is_active:
        raise ValidationError(BAD_CODE, code="bad_code")
    entry.used_at = now
    entry.save(update_fields=["used_at"])
    user = device_user(entry.terminal)
    # A fresh unusable password changes the session hash that Django checks on
    # every request and socket, so the browser paired before is signed out.
    user.set_unusable_password()
    user.save(update_fields=["password"])
    TerminalDevice.objects.filter(user=user).update(paired_at=now)
    audit_record(
        actor=None,
        action="terminal.paired",
        target=entry.terminal,
        facility_id=entry.terminal.facility_id,
        ip_address=ip_address,
        issued_by=entry.issued_by_id,
    )
    return user
