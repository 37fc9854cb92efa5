"""The terminal's pages: today's video visits, and the call page the terminal joins."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.calls.pages import call_page_config
from apps.calls.selectors import (
    CallState,
    call_state,
    terminal_bookings_today,
    terminal_call_opened,
    terminal_for_device,
)
from apps.calls.services import call_open_by_reference, calls_open

# How often the list asks again, so that a visit an officer opens here appears by itself.
HOME_REFRESH_SECONDS = 10


def terminal_home(request: HttpRequest) -> HttpResponse:
    terminal = terminal_for_device(request.user)  # type: ignore[arg-type]
    if terminal is None:
        return redirect("calls:pair")
    opened = terminal_call_opened(terminal)
    if opened is not None:
        return redirect("calls:terminal_call", opened.booking.reference)
    rows = [(call, call_state(call)) for call in calls_open(terminal_bookings_today(terminal))]
    return render(
        request,
        "calls/terminal_home.html",
        {
            "terminal": terminal,
            "rows": rows,
            "facility": terminal.facility,
            "refresh_seconds": HOME_REFRESH_SECONDS,
        },
    )


def terminal_call(request: HttpRequest, reference: str) -> HttpResponse:
    terminal = terminal_for_device(request.user)  # type: ignore[arg-type]
    if terminal is None:
        return redirect("calls:pair")
    call = call_open_by_reference(reference)
    if call is None or call.terminal_id != terminal.pk:
        raise Http404
    state = call_state(call)
    return render(
        request,
        "calls/terminal_call.html",
        {
            "terminal": terminal,
            "call": call,
            "booking": call.booking,
            "facility": terminal.facility,
            "state": state,
            "joinable": state in (CallState.OPEN, CallState.LIVE),
            "call_config": call_page_config(request, call, "terminal"),
        },
    )
