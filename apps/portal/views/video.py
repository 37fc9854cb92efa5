"""The family's video visit: the join page (device check, disclosure, one-tap join)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.calls.pages import call_page_config
from apps.calls.selectors import (
    CallState,
    call_state,
    disclosure_acknowledged,
    family_video_booking,
)
from apps.calls.services import call_acknowledge_disclosure, call_open
from apps.people.models import Visitor
from apps.portal.decorators import FamilyRequest, family_required

NOT_TICKED = _("Tick the box to say that you have read the notice.")


@family_required
def video_join(request: FamilyRequest, visitor: Visitor, reference: str) -> HttpResponse:
    call = call_open(family_video_booking(request.user, reference))
    state = call_state(call)
    observed = call.supervised or call.recorded
    return render(
        request,
        "portal/video_join.html",
        {
            "call": call,
            "booking": call.booking,
            "facility": call.facility,
            "state": state,
            "joinable": state in (CallState.OPEN, CallState.LIVE),
            "observed": observed,
            "needs_acknowledgement": not disclosure_acknowledged(request.user, call),
            "call_config": call_page_config(request, call, "family"),
        },
    )


@require_POST
@family_required
def video_acknowledge(request: FamilyRequest, visitor: Visitor, reference: str) -> HttpResponse:
    call = call_open(family_video_booking(request.user, reference))
    if request.POST.get("understood") != "yes":
        messages.error(request, NOT_TICKED)
    else:
        try:
            call_acknowledge_disclosure(actor=request.user, call=call)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("portal:video_join", reference=call.booking.reference)
