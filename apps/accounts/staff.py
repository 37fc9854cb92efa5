"""Staff sign-in: a password, then a TOTP second factor; failures lock the account for a while."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import is_ratelimited

from apps.accounts.models import StaffRole, User
from apps.audit.services import audit_record
from lib.limits import client_address

# Five wrong passwords for one account within 15 minutes lock it for the rest
# of the window; an address gets twenty, for all the accounts it tries.
_FAILURE_LIMITS = (("staff-fail-user", "4/15m"), ("staff-fail-address", "19/h"))
LOCKED = _("Too many failed sign-ins. This account is locked for 15 minutes; try again later.")
WRONG = _("The username or password is not right.")


def _failures(request: HttpRequest, username: str, *, increment: bool) -> bool:
    keys = {"staff-fail-user": username.lower(), "staff-fail-address": client_address(request)}
    limited = False
    for group, rate in _FAILURE_LIMITS:
        value = keys[group]
        limited |= is_ratelimited(
            request, group=group, key=lambda _g, _r, v=value: v, rate=rate, increment=increment
        )
    return limited


def staff_password_check(*, request: HttpRequest, username: str, password: str) -> User:
    """The staff member for these credentials, or a refusal that says nothing about which part was wrong."""
    if _failures(request, username, increment=False):
        raise ValidationError(LOCKED, code="locked")
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User) or not StaffRole.objects.filter(user=user).exists():
        locked = _failures(request, username, increment=True)
        audit_record(
            actor=None,
            action="staff.sign_in_failed",
            target=user if isinstance(user, User) else None,
            ip_address=client_address(request),
            username=username,
        )
        raise ValidationError(LOCKED if locked else WRONG, code="locked" if locked else "wrong")
    return user


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_enrolment(user: User) -> TOTPDevice:
    """The device being enrolled: an unconfirmed one is reused so the QR code stays the same."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Visitline", confirmed=False)


def totp_check(*, user: User, device: TOTPDevice, token: str, ip_address: str | None) -> TOTPDevice:
    """Verify a six-digit code; the device itself slows repeated failures down (django-otp throttling)."""
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        raise ValidationError(
            _("Too many wrong codes. Wait a minute and try again."), code="throttled"
        )
    if not device.verify_token((token or "").strip()):
        raise ValidationError(
            _("This code is not right. Use the current code from your app."), code="wrong"
        )
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=user, action="staff.totp_enrolled", target=user, ip_address=ip_address)
    audit_record(actor=user, action="staff.sign_in", target=user, ip_address=ip_address)
    return device
