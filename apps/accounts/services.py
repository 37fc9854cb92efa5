"""Family sign-in by a one-time code sent to the phone."""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import SignInCode, User
from apps.audit.services import audit_record
from lib.phones import normalize_phone
from lib.sms import send_sms

CODE_LIFETIME = dt.timedelta(minutes=10)
MAX_FAILED_CHECKS = 5
TOO_MANY_WRONG = _("Too many wrong codes: this one no longer works. Ask for a new one.")


def _hash(phone: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def sign_in_code_send(*, phone: str, ip_address: str | None, language: str) -> str:
    """Send a fresh six-digit code to the phone; earlier unused codes stop working."""
    phone = normalize_phone(phone)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        SignInCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
        SignInCode.objects.create(
            phone=phone,
            code_hash=_hash(phone, code),
            expires_at=now + CODE_LIFETIME,
            sent_from=ip_address,
        )
    with translation.override(language):
        body = gettext(
            "Your Visitline sign-in code is %(code)s. It works once, for 10 minutes."
        ) % {"code": code}
    send_sms(phone, body)
    return phone


def sign_in_code_check(*, phone: str, code: str, ip_address: str | None) -> User:
    """Return the user for the phone when the code is right; create one at first sign-in."""
    phone = normalize_phone(phone)
    now = timezone.now()
    current = SignInCode.objects.filter(
        phone=phone, used_at__isnull=True, expires_at__gt=now
    ).first()
    if current is None:
        raise _no_live_code(phone, now)
    if not hmac.compare_digest(current.code_hash, _hash(phone, (code or "").strip())):
        if _count_failure(current):
            raise ValidationError(TOO_MANY_WRONG, code="code_burned")
        raise ValidationError(
            _("This code is not right. Check the SMS and try again."), code="code_wrong"
        )
    # Claiming the code is one conditional update, so two tabs racing with
    # the same code cannot both sign in with it.
    if not SignInCode.objects.filter(pk=current.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationError(
            _("This code has expired or was already used. Ask for a new one."), code="code_expired"
        )
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=phone)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        audit_record(
            actor=user, action="family.sign_in", target=user, ip_address=ip_address, new=created
        )
    return user


def _no_live_code(phone: str, now: dt.datetime) -> ValidationError:
    """Why no code can be checked: the last one was burned by wrong guesses, or it lapsed or was used."""
    latest = SignInCode.objects.filter(phone=phone).first()  # newest first
    if latest and latest.failed_checks >= MAX_FAILED_CHECKS and latest.expires_at > now:
        return ValidationError(TOO_MANY_WRONG, code="code_burned")
    return ValidationError(
        _("This code has expired or was already used. Ask for a new one."), code="code_expired"
    )


def _count_failure(current: SignInCode) -> bool:
    """Too many wrong guesses burn the code, so six digits cannot be tried through; True then."""
    SignInCode.objects.filter(pk=current.pk).update(failed_checks=F("failed_checks") + 1)
    if current.failed_checks + 1 >= MAX_FAILED_CHECKS:
        SignInCode.objects.filter(pk=current.pk).update(used_at=timezone.now())
        return True
    return False
