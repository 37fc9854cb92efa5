"""API tokens for the facility's integrating systems: issue (shown once), list, revoke."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts.models import StaffRole
from apps.api.models import ApiToken
from apps.api.tokens import api_token_issue, api_token_revoke, api_tokens_of
from apps.console.decorators import StaffRequest, staff_view
from lib.forms import add_service_error


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("The system that will use it, e.g. “Records system” or “Call centre”."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices)
    role = forms.ChoiceField(
        label=_("Acts as"),
        choices=StaffRole.Role.choices,
        initial=StaffRole.Role.OFFICER,
        help_text=_(
            "The role its calls are checked against: booking needs an officer, transfers and "
            "releases a supervisor, roster sync an administrator."
        ),
    )


@never_cache  # the page that shows a new token must not be kept by any cache
@staff_view("api_tokens")
def token_list(request: StaffRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_token_issue(
                actor=request.user, facility=request.facility, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(
                form, exc, {"name": ("name",), "scope": ("scope",), "role": ("role",)}
            )
        else:
            secret = issued.secret
            form = TokenForm()
    return render(
        request,
        "console/api_tokens.html",
        {"form": form, "secret": secret, "tokens": api_tokens_of(request.facility)},
    )


@staff_view("api_tokens")
@require_POST
def token_revoke(request: StaffRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(api_tokens_of(request.facility), pk=token_id)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("console:api_tokens", request.facility.code)
