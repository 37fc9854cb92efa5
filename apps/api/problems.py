"""Every error of the API as an RFC 9457 problem: type, title, status, detail, code, errors.

The handlers are registered on the NinjaAPI, so whatever a handler or a
service raises reaches the client in this one shape, translated into the
language of its Accept-Language header, and never as a traceback.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "https://visitline.invalid/problems/"
CONTENT_TYPE = "application/problem+json"

TITLES: dict[int, StrOrPromise] = {
    400: _("Bad request"),
    401: _("Authentication needed"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    409: _("Conflict"),
    413: _("Request too large"),
    422: _("Invalid request"),
    429: _("Too many requests"),
    500: _("Server error"),
}

# Service refusals that mean "the world is not in a state that allows this"
# rather than "this request is wrong": the client may retry another choice.
CONFLICT_CODES = frozenset(
    {
        "slot_full",
        "allowance_used",
        "prisoner_busy",
        "per_day",
        "slot_closed",
        "not_cancellable",
        "started",
        "bad_transition",
        "contact_transition",
        "contact_exists",
        "not_in_custody",
    }
)


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Problem(Schema):
    """An RFC 9457 problem details object."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None


class RateLimited(Exception):
    """A token went past API_TOKEN_RATE."""


class TooLarge(Exception):
    """A request body went past API_MAX_BODY_BYTES."""


def problem(
    status: int,
    code: str,
    detail: StrOrPromise,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": str(TITLES.get(status, TITLES[400])),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_errors(exc: NinjaValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) if not isinstance(part, int) else part for part in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "invalid")),
        }
        for e in exc.errors
    ]


def on_request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem(
        422,
        "invalid_request",
        _("Some fields of the request are missing or not valid; see errors."),
        _field_errors(exc),
    )


def on_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service said no: its translated reason is the detail; its code says which rule."""
    codes = [e.code or "invalid" for e in exc.error_list] if hasattr(exc, "error_list") else []
    code = codes[0] if codes else "invalid"
    messages = [str(m) for m in exc.messages]
    status = 409 if code in CONFLICT_CODES else 422
    errors = None
    if len(messages) > 1:
        errors = [{"loc": [], "msg": m, "type": c} for m, c in zip(messages, codes, strict=False)]
    return problem(status, code, " ".join(messages), errors)


def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        401,
        "not_authenticated",
        _("Send a valid API token as “Authorization: Bearer <token>”."),
        headers={"WWW-Authenticate": "Bearer"},
    )


def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    detail = str(exc) or gettext("You may not do this.")
    return problem(403, "forbidden", detail)


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "not_found", _("There is nothing here, or it is not yours to see."))


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, TooLarge | RequestDataTooBig):
        return on_too_large(request, exc)
    if exc.status_code == 400:  # ninja could not read the body
        return problem(400, "malformed_body", _("The request body is not valid JSON."))
    return problem(exc.status_code, "http_error", str(exc))


def on_rate_limited(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        429,
        "rate_limited",
        _("This token sent too many requests. Wait a little and try again."),
        headers={"Retry-After": "60"},
    )


def on_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(413, "too_large", _("The request body is too large."))


def on_crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path)
    return problem(
        500, "server_error", _("Something went wrong on our side. Please try again later.")
    )


HANDLERS: list[tuple[type[Exception], Any]] = [
    (NinjaValidationError, on_request_invalid),
    (DjangoValidationError, on_refused),
    (AuthenticationError, on_unauthenticated),
    (PermissionDenied, on_forbidden),
    (Http404, on_not_found),
    (HttpError, on_http_error),
    (RateLimited, on_rate_limited),
    (TooLarge, on_too_large),
    (RequestDataTooBig, on_too_large),
    (Exception, on_crash),
]


def register(api: NinjaAPI) -> None:
    for exc_class, handler in HANDLERS:
        api.add_exception_handler(exc_class, handler)
