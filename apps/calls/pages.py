"""What a call page gives static/js/call.js (the json_script "call-config").

The family's, the terminal's and the supervising officer's pages all use it,
so the three roles read the same translated strings and the same socket address.
"""

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.calls.models import Call
from apps.calls.selectors import call_clock


def _strings() -> dict[str, Any]:
    # Evaluated per request, in the page's language. %(time)s is filled in by the script.
    return {
        "joining": _("Joining the visit…"),
        "waiting_terminal": _("You are in. Waiting for the prison to connect…"),
        "waiting_family": _("Waiting for the family to join…"),
        "waiting_start": _("Waiting for the start time. The visit connects when it starts."),
        "waiting_custody": _("Waiting for an officer to confirm the person at the terminal."),
        "connecting": _("Connecting…"),
        "connected": _("Connected."),
        "reconnecting": _("The connection dropped. Reconnecting…"),
        "no_media": _(
            "The camera or microphone could not be started. Allow them in the browser's settings and try again."
        ),
        "starts_in": _("Starts in %(time)s"),
        "ends_in": _("Time left: %(time)s"),
        "ended": _("The visit has ended."),
        "end_reasons": {
            "time_up": _("The visit has ended: the time is up."),
            "officer": _("An officer ended the visit. Reason:"),
            "family_left": _("The family left the visit."),
            "no_show": _("The visit has ended: the family did not join."),
            "cancelled": _("The visit has ended: the booking was cancelled."),
        },
        "refused": {
            "4401": _("Sign in again to join this visit."),
            "4403": _("You cannot join this visit."),
            "4404": _("There is no such video visit."),
            "4408": _("This visit is not open yet."),
            "4410": _("This visit has already ended."),
            "4412": _("Read and accept the notice about supervision and recording first."),
            "default": _("The visit could not be joined."),
        },
    }


def _recording_url(call: Call) -> str:
    """The upload address with ``{seq}`` where the script puts the chunk's number."""
    try:
        url = reverse("calls:recording", args=[call.booking.reference, 0])
    except NoReverseMatch:
        return ""
    head, _zero, tail = url.rpartition("/0")
    return f"{head}/{{seq}}{tail}"


def call_page_config(request: HttpRequest, call: Call, role: str) -> dict[str, Any]:
    reference = call.booking.reference
    recorded = role == "terminal" and call.recorded
    return {
        "role": role,
        "reference": reference,
        "socket": f"/ws/calls/{reference}/",
        "recorded": recorded,
        "recording_url": _recording_url(call) if recorded else "",
        "csrf": get_token(request),
        "clock": call_clock(call),
        "strings": _strings(),
    }
