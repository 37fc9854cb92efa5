"""The waitlist as a family sees it: join for a full date, accept a held seat, or leave."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.people.models import Visitor
from apps.people.selectors import prisoner_of
from apps.policy.kinds import VisitKind
from apps.portal.decorators import FamilyRequest, family_required
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.selectors import waitlist_entry_of, waitlist_of
from apps.waitlist.services import (
    waitlist_accept,
    waitlist_check_full,
    waitlist_join,
    waitlist_leave,
)


@family_required
def waitlist(request: FamilyRequest, visitor: Visitor) -> HttpResponse:
    return render(request, "portal/waitlist.html", {"entries": list(waitlist_of(visitor))})


@family_required
def join(request: FamilyRequest, visitor: Visitor, prisoner_id: int) -> HttpResponse:
    prisoner = prisoner_of(visitor.pk, prisoner_id)
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "")
    try:
        day = dt.date.fromisoformat(source.get("date", ""))
    except ValueError:
        day = None
    if prisoner is None or day is None or kind not in (VisitKind.IN_PERSON, VisitKind.VIDEO):
        raise Http404
    if request.method == "POST":
        try:
            waitlist_join(
                actor=request.user, visitor=visitor, prisoner=prisoner, day=day, kind=kind
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(
                request, _("You are on the waitlist. We will send you a message if a seat frees.")
            )
        return redirect("portal:waitlist")
    try:
        waitlist_check_full(prisoner=prisoner, day=day, kind=kind)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect(reverse("portal:book", args=[prisoner.pk]) + f"?kind={kind}")
    context = {"prisoner": prisoner, "day": day, "kind": kind, "kind_label": VisitKind(kind).label}
    return render(request, "portal/waitlist_join.html", context)


def _entry(visitor: Visitor, entry_id: int) -> WaitlistEntry:
    entry = waitlist_entry_of(visitor, entry_id)
    if entry is None:
        raise Http404
    return entry


@require_POST
@family_required
def accept(request: FamilyRequest, visitor: Visitor, entry_id: int) -> HttpResponse:
    entry = _entry(visitor, entry_id)
    try:
        booking = waitlist_accept(actor=request.user, entry=entry)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
        return redirect("portal:waitlist")
    messages.success(request, _("The seat is yours: your visit is booked."))
    return redirect("portal:visit", reference=booking.reference)


@require_POST
@family_required
def leave(request: FamilyRequest, visitor: Visitor, entry_id: int) -> HttpResponse:
    entry = _entry(visitor, entry_id)
    try:
        waitlist_leave(actor=request.user, entry=entry)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("You have left the waitlist."))
    return redirect("portal:waitlist")


def _message(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return str(exc.messages[0])
    return str(exc) or str(_("This is not allowed."))
