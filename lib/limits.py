from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited


def over_limit(request: HttpRequest, group: str, *, value: str, rate: str) -> bool:
    """Count one use of ``group`` for ``value`` (a phone, an address...) and say if it is over ``rate``."""
    return is_ratelimited(
        request, group=group, key=lambda _group, _request: value, rate=rate, increment=True
    )


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
