"""Console pages of allocation: booking mode, request windows, preview, publish and statistics."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import allowed
from apps.allocation.explanations import explanation
from apps.allocation.forms import WINDOW_ERROR_FIELDS, ModeForm, WindowForm
from apps.allocation.models import AllocationRun, RequestWindow, RunOutcome
from apps.allocation.selectors import run_of, runs_of, window_of, windows_of
from apps.allocation.services import (
    booking_mode_set,
    run_preview,
    run_publish,
    window_close,
    window_open,
)
from apps.console.decorators import StaffRequest, staff_view
from lib.forms import add_service_error


def _url(request: StaffRequest, window: RequestWindow | None = None) -> str:
    url = reverse("console:allocation", args=[request.facility.code])
    return f"{url}?{urlencode({'window': window.pk})}" if window else url


def _window(request: StaffRequest) -> RequestWindow:
    window = window_of(request.facility, request.POST.get("window"))
    if window is None:
        raise Http404
    return window


@staff_view("allocation_view")
def index(request: StaffRequest) -> HttpResponse:
    if "window" in request.GET:
        return _detail(request)
    return _overview(request, WindowForm(initial={"max_choices": 3}))


def _overview(request: StaffRequest, form: WindowForm) -> HttpResponse:
    return render(
        request,
        "allocation/console/index.html",
        {
            "windows": windows_of(request.facility),
            "form": form,
            "mode_form": ModeForm(initial={"booking_mode": request.facility.booking_mode}),
            "can_manage": allowed(request.role, "allocation_manage"),
            "takes_requests": request.facility.booking_mode == "requests",
        },
    )


def _detail(request: StaffRequest) -> HttpResponse:
    window = window_of(request.facility, request.GET.get("window"))
    if window is None:
        raise Http404
    runs = list(runs_of(window))
    shown = next((r for r in runs if r.status != AllocationRun.Status.SUPERSEDED), None)
    return render(
        request,
        "allocation/console/window.html",
        {
            "window": window,
            "runs": runs,
            "run": shown,
            "outcomes": _outcomes(shown) if shown else [],
            "can_manage": allowed(request.role, "allocation_manage"),
        },
    )


def _outcomes(run: AllocationRun) -> list[RunOutcome]:
    outcomes = list(
        run.outcomes.select_related(
            "request__prisoner", "request__requested_by", "slot__room", "slot__terminal"
        ).order_by("request__prisoner__number", "request_id")
    )
    for outcome in outcomes:
        outcome.explanation = explanation(outcome.code, outcome.rank)  # type: ignore[attr-defined]
    return outcomes


@staff_view("allocation_manage")
@require_POST
def mode(request: StaffRequest) -> HttpResponse:
    form = ModeForm(request.POST)
    if form.is_valid():
        booking_mode_set(
            actor=request.user, facility=request.facility, mode=form.cleaned_data["booking_mode"]
        )
        messages.success(request, _("The booking mode was changed."))
    return redirect(_url(request))


@staff_view("allocation_manage")
@require_POST
def open_window(request: StaffRequest) -> HttpResponse:
    form = WindowForm(request.POST)
    if form.is_valid():
        try:
            window = window_open(actor=request.user, facility=request.facility, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, WINDOW_ERROR_FIELDS)
        else:
            messages.success(request, _("The request window is open."))
            return redirect(_url(request, window))
    return _overview(request, form)


def _act(
    request: StaffRequest, action: Callable[[RequestWindow], object], success: str
) -> HttpResponse:
    window = _window(request)
    try:
        action(window)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, success)
    return redirect(_url(request, window))


@staff_view("allocation_manage")
@require_POST
def close(request: StaffRequest) -> HttpResponse:
    return _act(
        request,
        lambda window: window_close(actor=request.user, window=window),
        _("The window is closed. Preview the allocation, then publish it."),
    )


@staff_view("allocation_manage")
@require_POST
def preview(request: StaffRequest) -> HttpResponse:
    return _act(
        request,
        lambda window: run_preview(actor=request.user, window=window),
        _("The allocation was worked out. Check the figures, then publish it."),
    )


@staff_view("allocation_manage")
@require_POST
def publish(request: StaffRequest) -> HttpResponse:
    run = run_of(request.facility, request.POST.get("run"))
    if run is None:
        raise Http404
    try:
        run_publish(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request, _("The allocation is published: visits are booked and families told.")
        )
    return redirect(_url(request, run.window))
