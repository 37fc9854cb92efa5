"""Booking a visit: choose the kind and a date, then a time, then who comes."""

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from apps.bookings.forms import PartyForm
from apps.bookings.selectors import (
    AllowanceLeft,
    allowance_left,
    bookable_dates,
    open_days,
    slot_options,
)
from apps.bookings.services import booking_create
from apps.facilities.models import Slot
from apps.people.models import Prisoner, Visitor
from apps.people.selectors import party_choices, prisoner_of
from apps.policy.kinds import FAMILY_KINDS, VisitKind
from apps.portal.calendar import month_weeks
from apps.portal.decorators import FamilyRequest, family_required


def _prisoner(visitor: Visitor, prisoner_id: int) -> Prisoner:
    prisoner = prisoner_of(visitor.pk, prisoner_id)
    if prisoner is None:
        raise Http404
    return prisoner


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", VisitKind.IN_PERSON)
    return kind if kind in FAMILY_KINDS else VisitKind.IN_PERSON


def _day(request: HttpRequest) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return None


@family_required
def choose(request: FamilyRequest, visitor: Visitor, prisoner_id: int) -> HttpResponse:
    prisoner = _prisoner(visitor, prisoner_id)
    kind = _kind(request)
    day = _day(request)
    first, last = bookable_dates(prisoner.facility)
    context = {
        "prisoner": prisoner,
        "kind": kind,
        "kinds": [(k, VisitKind(k).label) for k in FAMILY_KINDS],
        "day": day,
        "options": slot_options(prisoner=prisoner, kind=kind, day=day, visitor=visitor)
        if day
        else [],
        "allowances": _allowances(prisoner, kind, first, last),
    }
    if request.htmx and day:
        return render(request, "portal/_times.html", context)
    context["weeks"] = month_weeks(first, last, open_days(prisoner=prisoner, kind=kind))
    return render(request, "portal/book_choose.html", context)


def _allowances(
    prisoner: Prisoner, kind: str, first: dt.date, last: dt.date
) -> list[AllowanceLeft]:
    """What is left in each period the booking window touches ("1 video visit left in December")."""
    result = []
    day = first
    while day <= last:
        left = allowance_left(prisoner=prisoner, kind=kind, day=day)
        if left is None:
            break
        result.append(left)
        day = left.allowance.end
    return result


@family_required
def confirm(
    request: FamilyRequest, visitor: Visitor, prisoner_id: int, slot_id: int
) -> HttpResponse:
    prisoner = _prisoner(visitor, prisoner_id)
    slot = (
        Slot.objects.select_related("facility", "room", "terminal")
        .filter(pk=slot_id, facility=prisoner.facility)
        .first()
    )
    if slot is None:
        raise Http404
    kind = VisitKind.VIDEO if slot.is_video else VisitKind.IN_PERSON
    choices = [(v.pk, v.full_name) for v in party_choices(prisoner.pk, of=visitor)]
    form = PartyForm(
        request.POST or None,
        choices=choices,
        initial={"visitors": [visitor.pk], "request_key": uuid.uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = booking_create(
                actor=request.user,
                slot_id=slot.pk,
                prisoner_id=prisoner.pk,
                visitor_ids=form.cleaned_data["visitors"],
                kind=kind,
                idempotency_key=form.cleaned_data["request_key"],
            )
        except ValidationError as exc:
            if exc.code in {"slot_full", "slot_closed", "slot_past", "prisoner_busy"}:
                messages.error(request, exc.messages[0])
                return redirect(_choose_url(prisoner, kind, slot.date))
            form.add_error(None, exc)
        else:
            return redirect("portal:visit", reference=booking.reference)
    return render(
        request,
        "portal/book_confirm.html",
        {"prisoner": prisoner, "slot": slot, "kind": kind, "form": form},
    )


def _choose_url(prisoner: Prisoner, kind: str, day: dt.date) -> str:
    query = urlencode({"kind": kind, "date": day.isoformat()})
    return f"{reverse('portal:book', args=[prisoner.pk])}?{query}#times"
