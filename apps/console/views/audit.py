"""The audit trail: a read-only, filterable list of the facility's audit events."""

import json

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.audit.models import AuditEvent
from apps.audit.selectors import AuditFilters, audit_events_for
from apps.console.decorators import StaffRequest, staff_view
from apps.console.forms_restrictions import AuditFilterForm

PER_PAGE = 50


def _details(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's data as key: value lines; lists and mappings written out as JSON."""
    data = event.data if isinstance(event.data, dict) else {"data": event.data}
    return [
        (
            key,
            value
            if isinstance(value, str)
            else json.dumps(value, ensure_ascii=False, sort_keys=True),
        )
        for key, value in sorted(data.items())
    ]


@staff_view("audit_view")
@require_safe
def audit_list(request: StaffRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    events: QuerySet[AuditEvent] = AuditEvent.objects.none()
    if form.is_valid():
        events = audit_events_for(request.facility, AuditFilters(**form.cleaned_data))
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    for event in page:
        event.details = _details(event)  # type: ignore[attr-defined]
    return render(request, "console/audit/list.html", {"form": form, "page_obj": page})
