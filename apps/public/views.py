from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from apps.facilities.models import Facility
from apps.facilities.selectors import upcoming_days, visiting_hours
from apps.policy.selectors import allowance_table


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"facilities": Facility.objects.order_by("name")})


def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    facility = get_object_or_404(Facility, code=code)
    return render(
        request, "public/facility.html", {"facility": facility, "days": upcoming_days(facility)}
    )


def facility_rules(request: HttpRequest, code: str) -> HttpResponse:
    """The visiting rules the facility publishes, read from the same policy the bookings obey."""
    facility = get_object_or_404(Facility, code=code)
    return render(
        request,
        "public/rules.html",
        {
            "facility": facility,
            "hours": visiting_hours(facility),
            "allowances": allowance_table(facility),
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
