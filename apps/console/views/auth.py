"""Staff sign-in: password, then the second factor (enrolling one the first time)."""

import base64
import io
from collections.abc import Mapping

import qrcode
import qrcode.image.svg
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.accounts.staff import staff_password_check, totp_check, totp_device, totp_enrolment
from apps.console.forms import PasswordForm, TokenForm
from lib.limits import client_address

AFTER_SIGN_IN = "console_after_sign_in"


def sign_in(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_password_check(request=request, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            _remember_next(request)
            return redirect("console:verify" if totp_device(user) else "console:enrol")
    return render(request, "console/sign_in.html", {"form": form})


def _remember_next(request: HttpRequest) -> None:
    """Where to go once both factors are done (the admin sends its visitors here)."""
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[AFTER_SIGN_IN] = target


def _password_done(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def verify(request: HttpRequest) -> HttpResponse:
    user = _password_done(request)
    device = totp_device(user) if user else None
    if user is None or device is None:
        return redirect("console:sign_in")
    return _second_step(request, user, device, "console/verify.html", {})


def enrol(request: HttpRequest) -> HttpResponse:
    user = _password_done(request)
    if user is None:
        return redirect("console:sign_in")
    if totp_device(user):
        return redirect("console:verify")
    device = totp_enrolment(user)
    secret = base64.b32encode(device.bin_key).decode()
    context = {"qr": _qr_svg(device.config_url), "secret": secret}
    return _second_step(request, user, device, "console/enrol.html", context)


def _second_step(
    request: HttpRequest,
    user: User,
    device: TOTPDevice,
    template: str,
    context: Mapping[str, object],
) -> HttpResponse:
    """Check the code from the app; a right one verifies the session for the console."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp_check(
                user=user,
                device=device,
                token=form.cleaned_data["token"],
                ip_address=client_address(request),
            )
        except ValidationError as exc:
            form.add_error("token", exc)
        else:
            otp_login(request, device)
            return redirect(request.session.pop(AFTER_SIGN_IN, None) or "console:home")
    return render(request, template, {"form": form, **context})


def _qr_svg(url: str) -> str:
    # An inline SVG: no image request, and nothing a strict CSP would block.
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return mark_safe(svg[svg.index("<svg") :])


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("console:sign_in")
