import datetime as dt

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.models import StaffRole
from apps.accounts.selectors import verified_user
from apps.bookings.models import ACTIVE_STATUSES, Booking
from apps.console.decorators import StaffRequest, staff_view
from apps.people.models import Contact


def home(request: HttpRequest) -> HttpResponse:
    """The facilities this member of staff works at; straight to the only one."""
    user = verified_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path(), reverse("console:sign_in"))
    roles = list(
        StaffRole.objects.filter(user=user).select_related("facility").order_by("facility__name")
    )
    if len(roles) == 1:
        return redirect("console:dashboard", facility_code=roles[0].facility.code)
    return render(request, "console/home.html", {"roles": roles})


@staff_view("dashboard")
def dashboard(request: StaffRequest) -> HttpResponse:
    facility = request.facility
    today = facility.local_today()
    todays = Booking.objects.filter(facility=facility, status__in=ACTIVE_STATUSES, slot__date=today)
    return render(
        request,
        "console/dashboard.html",
        {
            "pending": Contact.objects.filter(
                prisoner__facility=facility, status=Contact.Status.PENDING
            ).count(),
            "today_in_person": todays.filter(slot__room__isnull=False).count(),
            "today_video": todays.filter(slot__terminal__isnull=False).count(),
            "week_bookings": Booking.objects.filter(
                facility=facility,
                status__in=ACTIVE_STATUSES,
                slot__date__range=(today, today + dt.timedelta(days=6)),
            ).count(),
        },
    )
