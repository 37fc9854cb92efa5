"""Contact approvals: the queue of requests, oldest first; approve, reject with a reason, reveal."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts.permissions import allowed
from apps.console.decorators import StaffRequest, staff_view
from apps.console.forms_restrictions import RejectForm
from apps.facilities.models import Facility
from apps.people.models import Contact
from apps.people.services import contact_decide
from apps.people.services.identity import visitor_identity_reveal
from lib.limits import client_address

PER_PAGE = 50
RECENT = 20


def _pending(facility: Facility) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(prisoner__facility=facility, status=Contact.Status.PENDING)
        .select_related("visitor", "prisoner")
        .order_by("created_at", "pk")
    )


def _recent(facility: Facility) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(prisoner__facility=facility, decided_at__isnull=False)
        .select_related("visitor", "prisoner", "decided_by")
        .order_by("-decided_at", "-pk")[:RECENT]
    )


def _contact(request: StaffRequest, contact_id: int) -> Contact:
    return get_object_or_404(
        Contact.objects.select_related("visitor", "prisoner__facility"),
        pk=contact_id,
        prisoner__facility=request.facility,
    )


def _render_queue(request: StaffRequest, **extra: Any) -> HttpResponse:
    page = Paginator(_pending(request.facility), PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    rejecting = extra.pop("reject_form", None)
    for contact in page:
        contact.waiting = timesince(contact.created_at, now, depth=1)  # type: ignore[attr-defined]
        if rejecting is not None and rejecting.prefix == f"contact-{contact.pk}":
            contact.reject_form = rejecting  # type: ignore[attr-defined]
        else:
            contact.reject_form = RejectForm(prefix=f"contact-{contact.pk}")  # type: ignore[attr-defined]
    context = {
        "page_obj": page,
        "recent": _recent(request.facility),
        "can_reveal": allowed(request.role, "reveal_identity"),
        "can_audit": allowed(request.role, "audit_view"),
        **extra,
    }
    return render(request, "console/approvals/queue.html", context)


@staff_view("approvals")
def queue(request: StaffRequest) -> HttpResponse:
    return _render_queue(request)


def _already_decided(request: StaffRequest, contact: Contact) -> bool:
    if contact.status == Contact.Status.PENDING:
        return False
    messages.error(request, _("This request has already been decided."))
    return True


@staff_view("approvals")
@require_POST
def approve(request: StaffRequest, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    if not _already_decided(request, contact):
        try:
            contact_decide(actor=request.user, contact=contact, status=Contact.Status.APPROVED)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request,
                _("Approved: %(visitor)s can now book visits with %(prisoner)s.")
                % {"visitor": contact.visitor.full_name, "prisoner": contact.prisoner.full_name},
            )
    return redirect("console:approvals", request.facility.code)


@staff_view("approvals")
@require_POST
def reject(request: StaffRequest, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    if _already_decided(request, contact):
        return redirect("console:approvals", request.facility.code)
    form = RejectForm(request.POST, prefix=f"contact-{contact.pk}")
    if form.is_valid():
        try:
            contact_decide(
                actor=request.user,
                contact=contact,
                status=Contact.Status.REJECTED,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error("reason", exc)
        else:
            messages.success(
                request,
                _("Not approved: %(visitor)s will be told the reason.")
                % {"visitor": contact.visitor.full_name},
            )
            return redirect("console:approvals", request.facility.code)
    return _render_queue(request, reject_form=form)


@never_cache
@staff_view("reveal_identity")
@require_POST
def reveal(request: StaffRequest, contact_id: int) -> HttpResponse:
    """Show one visitor's full document number in this response only; the reveal is audited."""
    contact = _contact(request, contact_id)
    number = visitor_identity_reveal(
        actor=request.user,
        visitor=contact.visitor,
        facility_id=request.facility.pk,
        ip_address=client_address(request),
    )
    return _render_queue(request, revealed={"contact": contact, "number": number})
