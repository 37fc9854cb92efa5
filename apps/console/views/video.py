"""Video visits in the console: today's calls, custody, warnings, ends, watching, recordings."""

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import allowed
from apps.calls.forms import EndForm, WarnForm
from apps.calls.models import Call
from apps.calls.pages import call_page_config
from apps.calls.selectors import call_clock, staff_video_booking, video_bookings_today
from apps.calls.services import (
    call_confirm_custody,
    call_end,
    call_open,
    call_open_at_terminal,
    call_warn,
    calls_open,
)
from apps.calls.services.recordings import (
    playable_recording,
    recording_play,
    recordings_playable,
)
from apps.console.decorators import StaffRequest, staff_view
from lib.limits import client_address


def _call(request: StaffRequest, reference: str, *, watching: bool = False) -> Call:
    """A call of this facility: a legal one only to confirm custody, and only a
    supervised one to watch or warn (404 otherwise: the console does not offer it)."""
    booking = staff_video_booking(request.user, reference)
    if booking.facility_id != request.facility.pk:
        raise Http404
    call = call_open(booking)
    if watching and (call.is_legal or not call.supervised):
        raise Http404  # a legal visit is never watched; an unsupervised one was promised so
    return call


def _not_legal(request: StaffRequest, reference: str) -> Call:
    call = _call(request, reference)
    if call.is_legal:
        raise Http404
    return call


def _back(request: StaffRequest) -> HttpResponse:
    return redirect("console:video", request.facility.code)


@staff_view("video_supervise")
def day(request: StaffRequest) -> HttpResponse:
    calls = calls_open(video_bookings_today(request.facility))
    playable = recordings_playable(calls)
    rows = [
        {"call": call, "clock": call_clock(call), "recording": call.pk in playable}
        for call in calls
    ]
    return render(
        request,
        "console/video/day.html",
        {"rows": rows, "may_play": allowed(request.role, "recordings_play")},
    )


def _call_post(
    request: StaffRequest,
    reference: str,
    service: Callable[..., Call],
    done: Callable[[Call], str],
) -> HttpResponse:
    """A one-button action on a call: the service, its refusal or ``done(call)``, and back."""
    call = _call(request, reference)
    try:
        service(actor=request.user, call=call)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, done(call))
    return _back(request)


@staff_view("video_supervise")
@require_POST
def custody(request: StaffRequest, reference: str) -> HttpResponse:
    return _call_post(
        request,
        reference,
        call_confirm_custody,
        lambda call: (
            _("The person at the terminal is confirmed for visit %(reference)s.")
            % {"reference": call.booking.reference}
        ),
    )


@staff_view("video_supervise")
@require_POST
def open_at_terminal(request: StaffRequest, reference: str) -> HttpResponse:
    return _call_post(
        request,
        reference,
        call_open_at_terminal,
        lambda call: (
            _("Visit %(reference)s is opening on %(terminal)s.")
            % {"reference": call.booking.reference, "terminal": call.terminal.name}
        ),
    )


def _form_action(
    request: StaffRequest,
    reference: str,
    form_class: type[Form],
    service: Callable[..., Call],
    field: str,
    template: str,
    done: str,
    *,
    watching: bool,
) -> HttpResponse:
    """A written warning or end: the form, the service, and back to the day's calls."""
    call = _call(request, reference, watching=True) if watching else _not_legal(request, reference)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, call=call, **{field: form.cleaned_data[field]})
        except ValidationError as exc:
            form.add_error(field if exc.code in ("warning_text", "reason_required") else None, exc)
        else:
            messages.success(request, done % {"reference": call.booking.reference})
            return _back(request)
    return render(request, template, {"call": call, "form": form, "clock": call_clock(call)})


@staff_view("video_supervise")
def warn(request: StaffRequest, reference: str) -> HttpResponse:
    return _form_action(
        request,
        reference,
        WarnForm,
        call_warn,
        "text",
        "console/video/warn.html",
        _("The warning was shown in visit %(reference)s."),
        watching=True,
    )


@staff_view("video_supervise")
def end(request: StaffRequest, reference: str) -> HttpResponse:
    return _form_action(
        request,
        reference,
        EndForm,
        call_end,
        "reason",
        "console/video/end.html",
        _("Visit %(reference)s was ended."),
        watching=False,
    )


@staff_view("video_supervise")
def watch(request: StaffRequest, reference: str) -> HttpResponse:
    call = _call(request, reference, watching=True)
    return render(
        request,
        "console/video_watch.html",
        {
            "call": call,
            "booking": call.booking,
            "clock": call_clock(call),
            "call_config": call_page_config(request, call, "officer"),
        },
    )


@staff_view("recordings_play")
def recording(request: StaffRequest, reference: str) -> HttpResponse:
    call = _not_legal(request, reference)
    return render(
        request,
        "console/video/recording.html",
        {"call": call, "recording": playable_recording(call)},
    )


@staff_view("recordings_play")
def recording_media(request: StaffRequest, reference: str) -> HttpResponse:
    """The recording as one WebM stream; each request is one audited playback."""
    call = _not_legal(request, reference)
    try:
        stream = recording_play(actor=request.user, call=call, ip_address=client_address(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("console:video_recording", args=[request.facility.code, reference]))
    response = StreamingHttpResponse(stream, content_type="video/webm")
    response["Cache-Control"] = "no-store"  # a replay must come back here, and be audited
    # Streamed, not held in memory; staff_view's typing knows only HttpResponse.
    return cast(HttpResponse, response)
