"""A terminal's browser is signed in as its device account; it may be nothing else."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

# Set in the session when a browser is paired (apps.calls.views_pairing).
DEVICE_SESSION_KEY = "terminal_device"
_OPEN_TO_DEVICES = ("/terminal/", "/static/", "/i18n/")


class TerminalConfinementMiddleware:
    """Keep a paired terminal's session inside /terminal/: no portal, no console, no API.

    The session already loaded for authentication carries the mark, so this
    costs no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(DEVICE_SESSION_KEY)
            and not request.path.startswith(_OPEN_TO_DEVICES)
        ):
            return redirect("calls:terminal_home")
        return self.get_response(request)
