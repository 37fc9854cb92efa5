"""Schedules: weekly visiting times (session templates), their slots, capacity and closures."""

import datetime as dt
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.permissions import allowed
from apps.bookings.models import Booking
from apps.bookings.selectors import ClosurePreview, bookings_cut_by, closure_preview, retire_preview
from apps.console.decorators import StaffRequest, staff_view
from apps.console.forms_schedules import (
    CAPACITY_ERROR_FIELDS,
    CLOSURE_ERROR_FIELDS,
    RETIRE_ERROR_FIELDS,
    TEMPLATE_ERROR_FIELDS,
    CapacityForm,
    ClosureDateForm,
    ClosureForm,
    LastDayForm,
    RetireForm,
    SlotFilterForm,
    TemplateForm,
    template_initial,
)
from apps.facilities.models import SessionTemplate, Slot
from apps.facilities.selectors import (
    schedule_days,
    slot_of,
    template_of,
    templates_by_weekday,
    upcoming_closures,
)
from apps.facilities.services import (
    closure_create,
    session_template_change,
    session_template_create,
    session_template_retire,
    slot_capacity_set,
    template_last_day_check,
)
from lib.forms import add_service_error

SLOT_DAYS = 14  # the slots page shows this many days from today


def _template(request: StaffRequest, template_id: int) -> SessionTemplate:
    template = template_of(request.facility, template_id)
    if template is None:
        raise Http404
    return template


def _slot(request: StaffRequest, slot_id: int) -> Slot:
    slot = slot_of(request.facility, slot_id)
    if slot is None:
        raise Http404
    return slot


def _url(request: StaffRequest, name: str, *args: object, **query: str) -> str:
    url = reverse(f"console:{name}", args=[request.facility.code, *args])
    return f"{url}?{urlencode(query)}" if query else url


@staff_view("schedules_view")
def templates(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "console/schedules/templates.html",
        {
            "days": templates_by_weekday(request.facility),
            "can_edit": allowed(request.role, "schedules_edit"),
            "tab": "templates",
        },
    )


@staff_view("schedules_edit")
def template_new(request: StaffRequest) -> HttpResponse:
    form = TemplateForm(
        request.POST or None,
        facility=request.facility,
        initial={"valid_from": request.facility.local_today(), "capacity": 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            session_template_create(
                actor=request.user, facility=request.facility, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc, TEMPLATE_ERROR_FIELDS)
        else:
            messages.success(request, _("The visiting time was added and its slots generated."))
            return redirect(_url(request, "schedules"))
    return render(request, "console/schedules/template_form.html", {"form": form, "template": None})


@staff_view("schedules_edit")
def template_change(request: StaffRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    form = TemplateForm(
        request.POST or None, facility=request.facility, initial=template_initial(template)
    )
    if request.method == "POST" and form.is_valid():
        try:
            session_template_change(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, TEMPLATE_ERROR_FIELDS)
        else:
            messages.success(request, _("The visiting time was changed."))
            return redirect(_url(request, "schedules"))
    return render(
        request, "console/schedules/template_form.html", {"form": form, "template": template}
    )


@staff_view("schedules_edit")
def template_retire(request: StaffRequest, template_id: int) -> HttpResponse:
    """Pick the last day (GET), see what it cancels, then confirm (POST)."""
    template = _template(request, template_id)
    pick = LastDayForm(request.GET or None)
    form, preview, changed = None, None, False
    if request.method == "POST":
        form = RetireForm(request.POST)
        if form.is_valid():
            last_day = form.cleaned_data["last_day"]
            preview = retire_preview(template, last_day)
            changed = form.cleaned_data["seen"] != _references(preview.bookings)
            if not changed:
                try:
                    session_template_retire(
                        actor=request.user,
                        template=template,
                        last_day=last_day,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    add_service_error(form, exc, RETIRE_ERROR_FIELDS)
                else:
                    messages.success(request, _retired_message(len(preview.bookings)))
                    return redirect(_url(request, "schedules"))
            else:
                form = _fresh(RetireForm, form, seen=_references(preview.bookings))
    elif pick.is_valid():
        last_day = pick.cleaned_data["last_day"]
        try:
            template_last_day_check(template, last_day)
        except ValidationError as exc:
            pick.add_error("last_day", exc)
        else:
            preview = retire_preview(template, last_day)
            form = RetireForm(initial={"last_day": last_day, "seen": _references(preview.bookings)})
    return render(
        request,
        "console/schedules/template_retire.html",
        {"template": template, "pick": pick, "form": form, "preview": preview, "changed": changed},
    )


def _retired_message(cancelled: int) -> str:
    if not cancelled:
        return _("The visiting time was retired. No bookings were affected.")
    return ngettext(
        "The visiting time was retired. %(count)d booking was cancelled; the family will be told.",
        "The visiting time was retired. %(count)d bookings were cancelled; the families will be told.",
        cancelled,
    ) % {"count": cancelled}


@staff_view("schedules_view")
def slots(request: StaffRequest) -> HttpResponse:
    today = request.facility.local_today()
    filter_form = SlotFilterForm(request.GET or None)
    first, last = today, today + dt.timedelta(days=SLOT_DAYS - 1)
    if filter_form.is_valid() and filter_form.cleaned_data["date"]:
        first = last = filter_form.cleaned_data["date"]
    return render(
        request,
        "console/schedules/slots.html",
        {
            "days": schedule_days(request.facility, first, last),
            "filter_form": filter_form,
            "first": first,
            "last": last,
            "can_edit": allowed(request.role, "schedules_edit"),
            "tab": "slots",
        },
    )


@staff_view("schedules_edit")
def slot_capacity(request: StaffRequest, slot_id: int) -> HttpResponse:
    """Set a slot's capacity; a cut that cancels bookings is shown and confirmed first."""
    slot = _slot(request, slot_id)
    form = CapacityForm(request.POST or None, initial={"capacity": slot.capacity})
    cut = []
    if request.method == "POST" and form.is_valid():
        capacity = form.cleaned_data["capacity"]
        cut = bookings_cut_by(slot, capacity) if capacity >= 0 else []
        if cut and form.cleaned_data["confirmed"] != _references(cut):
            form = _fresh(CapacityForm, form, confirmed=_references(cut))
        else:
            try:
                slot_capacity_set(
                    actor=request.user,
                    slot=slot,
                    capacity=capacity,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_error(form, exc, CAPACITY_ERROR_FIELDS)
                cut = []
            else:
                messages.success(request, _capacity_message(len(cut)))
                return redirect(_url(request, "schedules_slots", date=slot.date.isoformat()))
    return render(
        request,
        "console/schedules/slot_capacity.html",
        {"slot": slot, "form": form, "cut": cut, "tab": "slots"},
    )


def _capacity_message(cancelled: int) -> str:
    if not cancelled:
        return _("The capacity was changed. No bookings were affected.")
    return ngettext(
        "The capacity was changed. %(count)d booking was cancelled; the family will be told.",
        "The capacity was changed. %(count)d bookings were cancelled; the families will be told.",
        cancelled,
    ) % {"count": cancelled}


@staff_view("schedules_edit")
def slot_close(request: StaffRequest, slot_id: int) -> HttpResponse:
    slot = _slot(request, slot_id)
    if slot.date < request.facility.local_today():
        return _closure_page(
            request, None, None, refusal=_("A date in the past cannot be closed."), for_slot=True
        )
    return _closure_confirm(request, closure_preview(request.facility, slot=slot))


@staff_view("schedules_edit")
def close_date(request: StaffRequest) -> HttpResponse:
    """Pick a date (GET ?date=), see the bookings it cancels, then confirm (POST)."""
    pick = ClosureDateForm(request.GET or None, facility=request.facility)
    if not pick.is_valid():
        return _closure_page(request, pick, None)
    return _closure_confirm(
        request, closure_preview(request.facility, date=pick.cleaned_data["date"]), pick
    )


def _closure_confirm(
    request: StaffRequest, preview: ClosurePreview, pick: ClosureDateForm | None = None
) -> HttpResponse:
    if preview.already:
        return _closure_page(request, pick, preview)
    form = ClosureForm(request.POST or None, initial={"seen": _references(preview.bookings)})
    changed = False
    if request.method == "POST" and form.is_valid():
        changed = form.cleaned_data["seen"] != _references(preview.bookings)
        if changed:
            form = _fresh(ClosureForm, form, seen=_references(preview.bookings))
        else:
            try:
                closure_create(
                    actor=request.user,
                    facility=request.facility,
                    reason=form.cleaned_data["reason"],
                    date=None if preview.slot else preview.date,
                    slot=preview.slot,
                )
            except ValidationError as exc:
                add_service_error(form, exc, CLOSURE_ERROR_FIELDS)
            else:
                messages.success(request, _closed_message(len(preview.bookings)))
                return redirect(_url(request, "schedules_closures"))
    return _closure_page(request, pick, preview, form=form, changed=changed)


def _closure_page(
    request: StaffRequest,
    pick: ClosureDateForm | None,
    preview: ClosurePreview | None,
    *,
    refusal: str = "",
    form: ClosureForm | None = None,
    changed: bool = False,
    for_slot: bool = False,
) -> HttpResponse:
    return render(
        request,
        "console/schedules/closure_confirm.html",
        {
            "pick": pick,
            "preview": preview,
            "form": form,
            "refusal": refusal,
            "changed": changed,
            "for_slot": for_slot or (preview is not None and preview.slot is not None),
            "tab": "closures",
        },
    )


def _closed_message(cancelled: int) -> str:
    if not cancelled:
        return _("Closed. No bookings were affected.")
    return ngettext(
        "Closed. %(count)d booking was cancelled; the family will be told.",
        "Closed. %(count)d bookings were cancelled; the families will be told.",
        cancelled,
    ) % {"count": cancelled}


@staff_view("schedules_view")
def closures(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "console/schedules/closures.html",
        {
            "closures": upcoming_closures(request.facility),
            "pick": ClosureDateForm(facility=request.facility),
            "can_edit": allowed(request.role, "schedules_edit"),
            "tab": "closures",
        },
    )


def _references(bookings: list[Booking]) -> str:
    """The references an officer was shown, to notice on confirmation that they changed."""
    return ",".join(sorted(b.reference for b in bookings))


ConfirmForm = TypeVar("ConfirmForm", RetireForm, CapacityForm, ClosureForm)


def _fresh(cls: type[ConfirmForm], form: ConfirmForm, **hidden: str) -> ConfirmForm:
    """The same form again, unconfirmed, with the hidden list of what was shown replaced."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    for name, value in hidden.items():
        data[name] = value
    fresh = cls(data)
    fresh.is_valid()
    return fresh
