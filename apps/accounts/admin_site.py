"""The Django admin behind the console's own door: its sign-in, lockout and second factor.

The admin's own login form takes a password alone and has no lockout, so it is
never shown: signing in to the admin is signing in to the console (password,
throttle, TOTP), and only a superuser whose session passed the second factor
gets in. A session that passed the password step alone is sent to sign in.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class VisitlineAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_superuser
            and getattr(user, "is_verified", lambda: False)()  # django-otp's middleware
        )

    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('console:sign_in')}?{urlencode({'next': target})}")


class VisitlineAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.VisitlineAdminSite"
