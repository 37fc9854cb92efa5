from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from apps.accounts.models import StaffRole, User
from apps.accounts.permissions import allowed
from apps.accounts.selectors import verified_user
from apps.facilities.models import Facility


class StaffRequest(HttpRequest):
    """A request from verified staff, with the facility and role the URL names."""

    user: User
    facility: Facility
    role: str


def staff_view(action: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Password and second factor, a role at the facility in the URL, and a role allowed the action.

    Staff of another facility get 404: they learn nothing about it.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, facility_code: str, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            user = verified_user(request)
            if user is None:
                return redirect_to_login(request.get_full_path(), reverse("console:sign_in"))
            role = (
                StaffRole.objects.filter(user=user, facility__code=facility_code)
                .select_related("facility")
                .first()
            )
            if role is None:
                raise Http404
            if not allowed(role.role, action):
                raise PermissionDenied
            request.facility = role.facility  # type: ignore[attr-defined]
            request.role = role.role  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapper.console_action = action  # type: ignore[attr-defined]  # read by the authorization matrix test
        return wrapper

    return decorate
