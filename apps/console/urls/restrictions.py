from django.urls import URLPattern, path

from apps.console.views import restrictions as views

urlpatterns: list[URLPattern] = [
    path("restrictions/", views.restriction_list, name="restrictions"),
    path("restrictions/new/", views.restriction_new, name="restrictions_new"),
    path(
        "restrictions/<int:restriction_id>/end/",
        views.restriction_end_early,
        name="restrictions_end",
    ),
]
