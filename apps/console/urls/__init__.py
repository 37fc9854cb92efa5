"""The staff console: sign-in, then everything under /console/<facility code>/."""

from django.urls import include, path

from apps.console.urls import (
    allocation,
    api_tokens,
    approvals,
    audit,
    bookings,
    hall,
    messages,
    prisoners,
    restrictions,
    schedules,
    video,
)
from apps.console.views import auth, home

app_name = "console"

facility_patterns = [
    path("", home.dashboard, name="dashboard"),
    *approvals.urlpatterns,
    *schedules.urlpatterns,
    *prisoners.urlpatterns,
    *restrictions.urlpatterns,
    *bookings.urlpatterns,
    *hall.urlpatterns,
    *audit.urlpatterns,
    *messages.urlpatterns,
    *allocation.urlpatterns,
    *api_tokens.urlpatterns,
    *video.urlpatterns,
]

urlpatterns = [
    path("sign-in/", auth.sign_in, name="sign_in"),
    path("verify/", auth.verify, name="verify"),
    path("enrol/", auth.enrol, name="enrol"),
    path("sign-out/", auth.sign_out, name="sign_out"),
    path("", home.home, name="home"),
    path("<slug:facility_code>/", include(facility_patterns)),
]
