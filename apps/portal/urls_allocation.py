"""Family pages of allocation, included in the portal's URLs under /family/requests/."""

from django.urls import URLPattern, path

from apps.portal.views import allocation as family

urlpatterns: list[URLPattern] = [
    path("requests/", family.request_list, name="requests"),
    path(
        "requests/<int:window_id>/<int:prisoner_id>/new/",
        family.request_new,
        name="request_new",
    ),
    path("requests/<int:request_id>/withdraw/", family.request_cancel, name="request_withdraw"),
]
