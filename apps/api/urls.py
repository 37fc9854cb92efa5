"""The integration API, mounted at /api/v1/.

ninja answers a wrong method with a bare 405 and Django an unknown path with
its HTML 404; both are wrapped here so that every error under /api/v1/ is a
problem document. A body declared larger than API_MAX_BODY_BYTES is refused
here too, before authentication, for every operation: the parser's own check
(apps/api/parser.py) only runs for operations that take a body.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from apps.api.main import api
from apps.api.parser import declared_too_large
from apps.api.problems import CONTENT_TYPE, TooLarge, on_not_found, on_too_large, problem


def _as_problems(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if declared_too_large(request):
            return on_too_large(request, TooLarge())
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type") != CONTENT_TYPE:
            return problem(
                405,
                "method_not_allowed",
                _("This method is not allowed here."),
                headers={"Allow": response.get("Allow", "")},
            )
        return response

    return wrapper


@csrf_exempt
def _unknown(request: HttpRequest, rest: str) -> HttpResponse:
    return on_not_found(request, LookupError(rest))


def _patterns() -> list[URLPattern]:
    patterns, _app_name, _namespace = api.urls
    return [
        URLPattern(p.pattern, _as_problems(p.callback), p.default_args, p.name)
        for p in patterns
        if isinstance(p, URLPattern)
    ]


app_name = "api"
urlpatterns = [*_patterns(), re_path(r"^(?P<rest>.*)$", _unknown)]
