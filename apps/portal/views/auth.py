"""Sign in with a one-time code sent to the phone."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from apps.accounts.models import User
from apps.accounts.services import sign_in_code_check, sign_in_code_send
from apps.people.models import Visitor
from apps.people.services import visitor_set_language
from apps.portal.forms import CodeForm, PhoneForm
from lib.limits import client_address, over_limit
from lib.phones import normalize_phone

SESSION_PHONE = "sign_in_phone"
SESSION_NEXT = "sign_in_next"
TOO_MANY = _("Too many tries. Please wait a while and try again.")


def sign_in(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        request.session[SESSION_NEXT] = next_url
    if request.method == "POST" and form.is_valid():
        try:
            phone = normalize_phone(form.cleaned_data["phone"])
        except ValidationError as exc:
            form.add_error("phone", exc)
        else:
            if _sending_over_limit(request, phone):
                form.add_error(None, TOO_MANY)
            else:
                sign_in_code_send(
                    phone=phone, ip_address=client_address(request), language=get_language()
                )
                request.session[SESSION_PHONE] = phone
                return redirect("portal:sign_in_code")
    return render(request, "portal/sign_in.html", {"form": form})


def _sending_over_limit(request: HttpRequest, phone: str) -> bool:
    address = client_address(request)
    return (
        over_limit(request, "sms-phone", value=phone, rate="3/10m")
        or over_limit(request, "sms-phone-day", value=phone, rate="10/d")
        or over_limit(request, "sms-address", value=address, rate="20/h")
    )


def sign_in_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("portal:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, "code-phone", value=phone, rate="10/h") or over_limit(
            request, "code-address", value=client_address(request), rate="30/h"
        ):
            form.add_error(None, TOO_MANY)
        else:
            try:
                user = sign_in_code_check(
                    phone=phone, code=form.cleaned_data["code"], ip_address=client_address(request)
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                return _signed_in(request, user)
    return render(request, "portal/sign_in_code.html", {"form": form, "phone": phone})


def _signed_in(request: HttpRequest, user: User) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    visitor = Visitor.objects.filter(user=user).first()
    if visitor is None:
        return redirect("portal:profile")
    messages.success(request, _("You are signed in."))
    response = redirect(request.session.pop(SESSION_NEXT, "") or "portal:home")
    remember_language(response, visitor.preferred_language)
    return response


def remember_language(response: HttpResponse, language: str) -> None:
    """The same cookie Django's language switcher sets, so the choice holds on every page."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("public:home")


def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, and for a signed-in family also their language for messages."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    visitor = Visitor.objects.filter(user_id=user.pk).first() if isinstance(user, User) else None
    if visitor is not None and isinstance(user, User) and language in dict(settings.LANGUAGES):
        visitor_set_language(actor=user, visitor=visitor, language=language)
    return response
