from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from apps.facilities.models import Facility
from apps.facilities.selectors import upcoming_days


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"facilities": Facility.objects.order_by("name")})


def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    facility = get_object_or_404(Facility, code=code)
    return render(
        request, "public/facility.html", {"facility": facility, "days": upcoming_days(facility)}
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
