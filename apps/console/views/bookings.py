"""Booking a visit for a family who phones in: find the prisoner, a time, the party, confirm."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.accounts.permissions import allowed
from apps.bookings.forms import PartyForm
from apps.bookings.models import Booking
from apps.bookings.selectors import (
    allowance_left,
    bookable_dates,
    bookable_prisoner,
    bookable_prisoners,
    facility_booking,
    open_days,
    slot_options,
)
from apps.bookings.services import booking_create
from apps.console.decorators import StaffRequest, staff_view
from apps.console.forms_hall import DayForm, OverrideForm, PrisonerSearchForm
from apps.facilities.models import Slot
from apps.facilities.selectors import slot_of
from apps.people.models import Prisoner
from apps.people.selectors import party_choices
from apps.policy.kinds import FAMILY_KINDS, VisitKind

# The override form can share a page with the party form: its ids must differ.
OVERRIDE_IDS = "override_%s"


@staff_view("book_on_behalf")
def search(request: StaffRequest) -> HttpResponse:
    form = PrisonerSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    prisoners = list(bookable_prisoners(facility=request.facility, query=query))
    return render(
        request,
        "console/bookings/search.html",
        {"form": form, "query": query, "prisoners": prisoners},
    )


def _prisoner(request: StaffRequest, prisoner_id: int) -> Prisoner:
    prisoner = bookable_prisoner(facility=request.facility, prisoner_id=prisoner_id)
    if prisoner is None:
        raise Http404
    return prisoner


@staff_view("book_on_behalf")
def times(request: StaffRequest, prisoner_id: int) -> HttpResponse:
    prisoner = _prisoner(request, prisoner_id)
    kind = request.GET.get("kind", VisitKind.IN_PERSON)
    if kind not in FAMILY_KINDS:
        kind = VisitKind.IN_PERSON
    form = DayForm(request.GET if "date" in request.GET else None)
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else None
    first, _last = bookable_dates(request.facility)
    return render(
        request,
        "console/bookings/times.html",
        {
            "prisoner": prisoner,
            "kind": kind,
            "kinds": [(k, VisitKind(k).label) for k in FAMILY_KINDS],
            "form": form,
            "day": day,
            "days": sorted(open_days(prisoner=prisoner, kind=kind).items()),
            # The allowance is shown, not applied: a supervisor may go past it.
            "left": allowance_left(prisoner=prisoner, kind=kind, day=day or first),
            "options": slot_options(prisoner=prisoner, kind=kind, day=day, count_allowance=False)
            if day
            else [],
        },
    )


def _slot(request: StaffRequest, slot_id: int) -> Slot:
    slot = slot_of(request.facility, slot_id)
    if slot is None:
        raise Http404
    return slot


def _party(prisoner: Prisoner) -> list[tuple[int, str]]:
    return [
        (
            v.pk,
            _("%(name)s, born %(born)s")
            % {"name": v.full_name, "born": v.date_of_birth.isoformat()},
        )
        for v in party_choices(prisoner.pk)
    ]


def _create(
    request: StaffRequest, prisoner: Prisoner, slot: Slot, form: PartyForm, reason: str
) -> Booking:
    return booking_create(
        actor=request.user,
        slot_id=slot.pk,
        prisoner_id=prisoner.pk,
        visitor_ids=form.cleaned_data["visitors"],
        kind=VisitKind.VIDEO if slot.is_video else VisitKind.IN_PERSON,
        idempotency_key=form.cleaned_data["request_key"],
        allowance_override_reason=reason,
    )


@staff_view("book_on_behalf")
def confirm(request: StaffRequest, prisoner_id: int, slot_id: int) -> HttpResponse:
    prisoner, slot = _prisoner(request, prisoner_id), _slot(request, slot_id)
    choices = _party(prisoner)
    form = PartyForm(
        request.POST or None, choices=choices, initial={"request_key": uuid.uuid4().hex}
    )
    override_form = None
    allowance_used = False
    if request.method == "POST" and form.is_valid():
        try:
            booking = _create(request, prisoner, slot, form, reason="")
        except ValidationError as exc:
            form.add_error(None, exc)
            allowance_used = exc.code == "allowance_used"
            if allowance_used and allowed(request.role, "allowance_override"):
                override_form = OverrideForm(
                    choices=choices,
                    auto_id=OVERRIDE_IDS,
                    initial={k: form.cleaned_data[k] for k in ("visitors", "request_key")},
                )
        else:
            return redirect("console:book_done", request.facility.code, booking.reference)
    return render(
        request,
        "console/bookings/confirm.html",
        {
            "prisoner": prisoner,
            "slot": slot,
            "form": form,
            "allowance_used": allowance_used,
            "override_form": override_form,
        },
    )


@staff_view("allowance_override")
def override(request: StaffRequest, prisoner_id: int, slot_id: int) -> HttpResponse:
    prisoner, slot = _prisoner(request, prisoner_id), _slot(request, slot_id)
    form = OverrideForm(
        request.POST or None,
        choices=_party(prisoner),
        initial={"request_key": uuid.uuid4().hex},
        auto_id=OVERRIDE_IDS,
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = _create(request, prisoner, slot, form, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason" if exc.code == "override_reason_required" else None, exc)
        else:
            if booking.allowance_override_reason:
                messages.success(
                    request, _("Booked past the allowance. Your reason is recorded with it.")
                )
            return redirect("console:book_done", request.facility.code, booking.reference)
    return render(
        request,
        "console/bookings/override.html",
        {"prisoner": prisoner, "slot": slot, "form": form},
    )


@staff_view("book_on_behalf")
def done(request: StaffRequest, reference: str) -> HttpResponse:
    booking = facility_booking(facility=request.facility, reference=reference)
    if booking is None:
        raise Http404
    return render(request, "console/bookings/done.html", {"booking": booking})
