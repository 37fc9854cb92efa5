"""Restrictions: the facility's list by state, setting one, and ending one early."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.permissions import allowed
from apps.console.decorators import StaffRequest, staff_view
from apps.console.forms_restrictions import EndRestrictionForm, RestrictionForm
from apps.people.models import Contact, Restriction, Visitor
from apps.people.services import restriction_create
from apps.people.services.restrictions import restriction_end
from lib.forms import add_service_error
from lib.limits import client_address

ENDED_PER_PAGE = 50
IN_FORCE, UPCOMING, ENDED = "in_force", "upcoming", "ended"

# Which form field each service refusal is about (by code prefix); the rest go on top.
_CREATE_ERRORS = {
    "reason": ("reason_required",),
    "ends_at": ("ends_before_start", "already_ended"),
    "kind": ("kind",),
    "target": ("target",),
}


def state_of(restriction: Restriction, now: dt.datetime) -> str:
    """Restrictions expire on their own: the state is read from the times, never stored."""
    if restriction.ends_at <= now:
        return ENDED
    return UPCOMING if restriction.starts_at > now else IN_FORCE


def _of_facility(request: StaffRequest) -> QuerySet[Restriction]:
    return Restriction.objects.filter(facility=request.facility).select_related(
        "visitor", "contact__visitor", "contact__prisoner", "set_by"
    )


@staff_view("restrictions_view")
def restriction_list(request: StaffRequest) -> HttpResponse:
    now = timezone.now()
    restrictions = _of_facility(request)
    ended = Paginator(
        restrictions.filter(ends_at__lte=now).order_by("-ends_at", "-pk"), ENDED_PER_PAGE
    )
    return render(
        request,
        "console/restrictions/list.html",
        {
            "in_force": restrictions.filter(starts_at__lte=now, ends_at__gt=now).order_by(
                "ends_at", "pk"
            ),
            "upcoming": restrictions.filter(starts_at__gt=now).order_by("starts_at", "pk"),
            "ended_page": ended.get_page(request.GET.get("page")),
            "can_edit": allowed(request.role, "restrictions_edit"),
            "can_audit": allowed(request.role, "audit_view"),
        },
    )


@staff_view("restrictions_edit")
def restriction_new(request: StaffRequest) -> HttpResponse:
    facility = request.facility
    posted = request.method == "POST"
    query = (request.POST if posted else request.GET).get("q", "")
    local_now = timezone.localtime(timezone.now(), facility.zone)
    form = RestrictionForm(
        request.POST if posted else None,
        facility=facility,
        query=query,
        initial={
            "q": query,
            "target": request.GET.get("target", ""),
            "starts_at": local_now.replace(tzinfo=None, second=0, microsecond=0),
        },
    )
    if posted and form.is_valid():
        target = form.target_object()
        try:
            restriction = restriction_create(
                actor=request.user,
                facility_id=facility.pk,
                kind=form.cleaned_data["kind"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
                visitor=target if isinstance(target, Visitor) else None,
                contact=target if isinstance(target, Contact) else None,
            )
        except ValidationError as exc:
            add_service_error(form, exc, _CREATE_ERRORS)
        else:
            messages.success(
                request,
                _("The restriction is set: %(restriction)s.") % {"restriction": restriction},
            )
            return redirect("console:restrictions", facility.code)
    return render(
        request,
        "console/restrictions/new.html",
        {
            "form": form,
            "query": query,
            "searched": bool(query.strip()),
            "matches": len(form.fields["target"].choices) > 1,  # type: ignore[attr-defined]
        },
    )


@staff_view("restrictions_edit")
def restriction_end_early(request: StaffRequest, restriction_id: int) -> HttpResponse:
    restriction = get_object_or_404(_of_facility(request), pk=restriction_id)
    posted = request.method == "POST"
    form = EndRestrictionForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            restriction_end(
                actor=request.user,
                restriction=restriction,
                reason=form.cleaned_data["reason"],
                ip_address=client_address(request),
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"reason": ("reason_required",)})
        else:
            messages.success(request, _("The restriction has ended."))
            return redirect("console:restrictions", request.facility.code)
    return render(
        request,
        "console/restrictions/end.html",
        {
            "restriction": restriction,
            "state": state_of(restriction, timezone.now()),
            "form": form,
        },
    )
