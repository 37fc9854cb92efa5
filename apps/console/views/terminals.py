"""Video terminals in the console: which are paired, and one-time pairing codes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.calls.services import terminal_pairing_code_issue
from apps.console.decorators import StaffRequest, staff_view
from apps.facilities.models import Terminal


def _terminals(request: StaffRequest) -> list[Terminal]:
    return list(
        Terminal.objects.filter(facility=request.facility).select_related("device").order_by("name")
    )


@staff_view("terminals_manage")
def terminals(request: StaffRequest) -> HttpResponse:
    return render(request, "console/video/terminals.html", {"terminals": _terminals(request)})


@staff_view("terminals_manage")
@require_POST
def pairing_code(request: StaffRequest, terminal_id: int) -> HttpResponse:
    """Issue a code and show it once; it is stored only as a keyed hash."""
    terminal = Terminal.objects.filter(facility=request.facility, pk=terminal_id).first()
    if terminal is None:
        raise Http404
    context: dict[str, object] = {"terminals": _terminals(request), "issued_for": terminal}
    try:
        context["code"] = terminal_pairing_code_issue(actor=request.user, terminal=terminal)
        context["minutes"] = settings.TERMINAL_PAIRING_CODE_MINUTES
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
    return render(request, "console/video/terminals.html", context)
