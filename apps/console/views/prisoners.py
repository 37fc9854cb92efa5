"""The roster: search and read prisoners; senior staff change, transfer, release and import them."""

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import allowed
from apps.bookings.selectors import allowance_left, bookings_to_cancel, upcoming_bookings_of
from apps.console.decorators import StaffRequest, staff_view
from apps.console.forms_prisoners import (
    PrisonerChangeForm,
    PrisonerReleaseForm,
    PrisonerTransferForm,
    RosterApplyForm,
    RosterFilterForm,
    RosterUploadForm,
)
from apps.people.models import Prisoner
from apps.people.selectors import contacts_of_prisoner, prisoner_at, roster, roster_units
from apps.people.services import (
    ImportReport,
    prisoner_change,
    prisoner_release,
    prisoner_transfer,
    roster_import,
)
from apps.policy.kinds import Stage, VisitKind
from apps.policy.selectors import stage_on
from lib.forms import add_service_error

PER_PAGE = 50
CHANGE_ERROR_FIELDS: dict[str, tuple[str, ...]] = {
    "level": ("level",),
    "unit": ("unit",),
    "legal_status": ("legal_status",),
    "sentence_start": ("sentence_start",),
    "sentence_end": ("sentence_end",),
}
LEAVE_ERROR_FIELDS: dict[str, tuple[str, ...]] = {
    "destination": ("destination",),
    "reason": ("reason",),
    "released_on": ("released_on",),
}


def _prisoner_or_404(request: StaffRequest, prisoner_id: int) -> Prisoner:
    prisoner = prisoner_at(facility_id=request.facility.pk, prisoner_id=prisoner_id)
    if prisoner is None:
        raise Http404
    return prisoner


@staff_view("prisoners_view")
def prisoners(request: StaffRequest) -> HttpResponse:
    facility = request.facility
    form = RosterFilterForm(request.GET, facility=facility, units=roster_units(facility.pk))
    wanted = form.cleaned_data if form.is_valid() else {}
    level = wanted.get("level")
    page = Paginator(
        roster(
            facility_id=facility.pk,
            query=wanted.get("q", ""),
            unit=wanted.get("unit", ""),
            level_id=level.pk if level else None,
            status=wanted.get("status", ""),
        ),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "console/prisoners/list.html",
        {"form": form, "page": page, "can_import": allowed(request.role, "roster_import")},
    )


@staff_view("prisoners_view")
def prisoner(request: StaffRequest, prisoner_id: int) -> HttpResponse:
    prisoner = _prisoner_or_404(request, prisoner_id)
    today = request.facility.local_today()
    allowances = [
        (VisitKind(kind).label, allowance_left(prisoner=prisoner, kind=kind, day=today))
        for kind in (VisitKind.IN_PERSON, VisitKind.VIDEO)
    ]
    return render(
        request,
        "console/prisoners/detail.html",
        {
            "prisoner": prisoner,
            "stage": Stage(stage_on(prisoner, today)).label,
            "allowances": allowances,
            "contacts": contacts_of_prisoner(prisoner.pk),
            "upcoming": upcoming_bookings_of(prisoner.pk)[:20],
            "can_edit": allowed(request.role, "prisoners_edit"),
        },
    )


@staff_view("prisoners_edit")
def change(request: StaffRequest, prisoner_id: int) -> HttpResponse:
    prisoner = _prisoner_or_404(request, prisoner_id)
    form = PrisonerChangeForm(
        request.POST or None,
        facility=request.facility,
        initial={
            "level": prisoner.level_id,
            "unit": prisoner.unit,
            "legal_status": prisoner.legal_status,
            "sentence_start": prisoner.sentence_start,
            "sentence_end": prisoner.sentence_end,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prisoner_change(
                actor=request.user,
                prisoner=prisoner,
                level=data["level"],
                unit=data["unit"],
                legal_status=data["legal_status"],
                sentence_start=data["sentence_start"],
                sentence_end=data["sentence_end"],
                clear_sentence_end=data["sentence_end"] is None,
            )
        except ValidationError as exc:
            add_service_error(form, exc, CHANGE_ERROR_FIELDS)
        else:
            messages.success(request, _("Saved."))
            return redirect("console:prisoner", request.facility.code, prisoner.pk)
    return render(request, "console/prisoners/change.html", {"prisoner": prisoner, "form": form})


@staff_view("prisoners_edit")
def transfer(request: StaffRequest, prisoner_id: int) -> HttpResponse:
    prisoner = _prisoner_or_404(request, prisoner_id)
    form = PrisonerTransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            prisoner_transfer(actor=request.user, prisoner=prisoner, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, LEAVE_ERROR_FIELDS)
        else:
            messages.success(request, _("The transfer is recorded."))
            return redirect("console:prisoner", request.facility.code, prisoner.pk)
    return _leave_page(request, prisoner, form, "console/prisoners/transfer.html")


@staff_view("prisoners_edit")
def release(request: StaffRequest, prisoner_id: int) -> HttpResponse:
    prisoner = _prisoner_or_404(request, prisoner_id)
    form = PrisonerReleaseForm(
        request.POST or None, initial={"released_on": request.facility.local_today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            prisoner_release(actor=request.user, prisoner=prisoner, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, LEAVE_ERROR_FIELDS)
        else:
            messages.success(request, _("The release is recorded."))
            return redirect("console:prisoner", request.facility.code, prisoner.pk)
    return _leave_page(request, prisoner, form, "console/prisoners/release.html")


def _leave_page(
    request: StaffRequest, prisoner: Prisoner, form: object, template: str
) -> HttpResponse:
    to_cancel = bookings_to_cancel(prisoner_ids=[prisoner.pk]).count()
    return render(request, template, {"prisoner": prisoner, "form": form, "to_cancel": to_cancel})


# The import: upload and dry run, then apply the very file that was checked.
# The checked text waits in the session (server side, as the sessions are in the
# database) and the Apply form carries its SHA-256, so Apply writes exactly the
# file whose report the administrator read, even with two tabs open.


def _session_key(request: StaffRequest) -> str:
    return f"roster_import:{request.facility.code}"


@staff_view("roster_import")
def import_roster(request: StaffRequest) -> HttpResponse:
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["file"]
        report = roster_import(
            actor=request.user, facility=request.facility, csv_text=text, dry_run=True
        )
        if report.has_errors:
            return _report_page(request, report, None)
        digest = hashlib.sha256(text.encode()).hexdigest()
        request.session[_session_key(request)] = {"digest": digest, "text": text}
        return _report_page(request, report, RosterApplyForm(initial={"digest": digest}))
    return render(request, "console/prisoners/import.html", {"form": form})


@staff_view("roster_import")
@require_POST
def import_apply(request: StaffRequest) -> HttpResponse:
    form = RosterApplyForm(request.POST)
    checked = request.session.get(_session_key(request)) or {}
    if not form.is_valid() or checked.get("digest") != form.cleaned_data["digest"]:
        messages.error(
            request, _("The checked file is no longer waiting to be applied. Upload it again.")
        )
        return redirect("console:roster_import", request.facility.code)
    report = roster_import(
        actor=request.user, facility=request.facility, csv_text=checked["text"], dry_run=False
    )
    if not report.applied:
        return _report_page(request, report, None)
    del request.session[_session_key(request)]
    counts = report.counts
    messages.success(
        request,
        _t(
            "Roster imported: %(create)d created, %(update)d updated, %(unchanged)d unchanged; "
            "%(cancelled)d visits cancelled."
        )
        % {**counts, "cancelled": len(report.cancelled)},
    )
    return redirect("console:prisoners", request.facility.code)


def _report_page(
    request: StaffRequest, report: ImportReport, apply_form: RosterApplyForm | None
) -> HttpResponse:
    return render(
        request,
        "console/prisoners/import_report.html",
        {"report": report, "apply_form": apply_form, "counts": report.counts},
    )
