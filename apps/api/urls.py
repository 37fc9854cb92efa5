"""The integration API, mounted at /api/v1/.

ninja answers a wrong method with a bare 405 and Django an unknown path with
its HTML 404; both are wrapped here so that every error under /api/v1/ is a
problem document.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from apps.api.main import api
from apps.api.problems import CONTENT_TYPE, on_not_found, problem


def _problem_on_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
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
        URLPattern(p.pattern, _problem_on_405(p.callback), p.default_args, p.name)
        for p in patterns
        if isinstance(p, URLPattern)
    ]


app_name = "api"
urlpatterns = [*_patterns(), re_path(r"^(?P<rest>.*)$", _unknown)]
