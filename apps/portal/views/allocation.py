"""Family pages: open request windows, making and withdrawing a ranked request, and its outcome."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.allocation.explanations import explanation
from apps.allocation.forms import REQUEST_ERROR_FIELDS, RequestForm
from apps.allocation.models import AllocationRequest
from apps.allocation.selectors import (
    open_window_for,
    open_windows_for,
    request_of,
    requests_of,
    window_slots,
)
from apps.allocation.services import request_submit, request_withdraw
from apps.people.models import Visitor
from apps.people.selectors import party_choices
from apps.portal.decorators import FamilyRequest, family_required
from lib.forms import add_service_error


def _waitlist_url(item: AllocationRequest) -> str | None:
    """The waitlist for the date of the family's first choice (the waitlist is its own feature)."""
    first = next(iter(item.choices.all()), None)
    if first is None:
        return None
    try:
        url = reverse("portal:waitlist_join", args=[item.prisoner_id])
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode({'kind': item.window.kind, 'date': first.slot.date.isoformat()})}"


@family_required
def request_list(request: FamilyRequest, visitor: Visitor) -> HttpResponse:
    mine = list(requests_of(visitor))
    for item in mine:
        item.explanation = explanation(item.outcome, item.outcome_rank)  # type: ignore[attr-defined]
        if item.status == AllocationRequest.Status.NOT_ALLOCATED:
            item.waitlist_url = _waitlist_url(item)  # type: ignore[attr-defined]
    return render(
        request,
        "allocation/family/requests.html",
        {
            "open_windows": open_windows_for(visitor),
            "requests": mine,
            "visitor": visitor,
        },
    )


@family_required
def request_new(
    request: FamilyRequest, visitor: Visitor, window_id: int, prisoner_id: int
) -> HttpResponse:
    target = open_window_for(visitor, window_id, prisoner_id)
    if target is None:
        raise Http404
    window, prisoner = target.window, target.prisoner
    form = RequestForm(
        request.POST or None,
        slots=list(window_slots(window)),
        max_choices=window.max_choices,
        party=[(v.pk, v.full_name) for v in party_choices(prisoner.pk, of=visitor)],
        initial={"visitors": [visitor.pk]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            request_submit(
                actor=request.user,
                window_id=window.pk,
                prisoner_id=prisoner.pk,
                slot_ids=form.slot_ids(),
                visitor_ids=form.cleaned_data["visitors"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, REQUEST_ERROR_FIELDS)
        else:
            messages.success(
                request,
                _(
                    "Your request is saved. Nothing is booked until the window closes and seats are allocated."
                ),
            )
            return redirect("portal:requests")
    return render(
        request,
        "allocation/family/request_form.html",
        {"window": window, "prisoner": prisoner, "form": form},
    )


@family_required
@require_POST
def request_cancel(request: FamilyRequest, visitor: Visitor, request_id: int) -> HttpResponse:
    item = request_of(visitor, request_id)
    if item is None:
        raise Http404
    try:
        request_withdraw(actor=request.user, request=item)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Your request was withdrawn."))
    return redirect("portal:requests")
