from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User
from apps.people.models import Visitor


class FamilyRequest(HttpRequest):
    """A request from a signed-in family member, as the portal's views receive it."""

    user: User
    htmx: HtmxDetails


def family_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in by phone and registered as a visitor; the visitor is passed to the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        visitor = Visitor.objects.filter(user=request.user).first()
        if visitor is None:
            return redirect("portal:profile")
        return view(request, visitor, *args, **kwargs)

    return wrapper
