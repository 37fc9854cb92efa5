"""Who is calling: an integrating system with a token, or staff from the console's pages.

Both give a Principal: the account the services act for, the facilities it
may see, and whether it may write. Writes of a read token are refused here,
before any handler runs; every other rule is the services' own.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from apps.accounts.models import StaffRole, User
from apps.accounts.selectors import verified_user
from apps.api.models import ApiToken
from apps.api.problems import RateLimited
from apps.api.tokens import api_token_for_secret, api_token_touch
from lib.limits import over_limit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    user: User
    facility_ids: frozenset[int]
    can_write: bool
    token: ApiToken | None = None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer vl_…``; counted against API_TOKEN_RATE per token."""

    def __init__(self, *, write: bool = False) -> None:
        self.write = write
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        found = api_token_for_secret(token.strip())
        if found is None:
            return None
        if over_limit(request, "api-token", value=str(found.pk), rate=settings.API_TOKEN_RATE):
            raise RateLimited
        if self.write and not found.can_write:
            raise PermissionDenied(_("This token may only read."))
        api_token_touch(found)
        return Principal(found.account, frozenset({found.facility_id}), found.can_write, found)


class StaffSessionAuth(APIKeyCookie):
    """The console's own calls: staff signed in with both factors, CSRF token on every write."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # CSRF is checked below, once the session is known to be staff's, so
        # that a request with neither token nor session gets 401, not 403.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = verified_user(request)
        if user is None:
            return None
        facility_ids = frozenset(
            StaffRole.objects.filter(user=user).values_list("facility_id", flat=True)
        )
        if not facility_ids:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied(_("This request needs the page's CSRF token."))
        return Principal(user, facility_ids, can_write=True)


READ = [TokenAuth(), StaffSessionAuth()]
WRITE = [TokenAuth(write=True), StaffSessionAuth()]


def principal(request: HttpRequest) -> Principal:
    found = getattr(request, "auth", None)
    assert isinstance(found, Principal)  # every operation is behind READ or WRITE
    return found
