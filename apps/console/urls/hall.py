from django.urls import URLPattern, path

from apps.console.views import hall as views

urlpatterns: list[URLPattern] = [
    path("hall/", views.day, name="hall"),
    path("hall/print/", views.print_day, name="hall_print"),
    path("hall/<str:reference>/check-in/", views.check_in, name="hall_check_in"),
    path("hall/<str:reference>/status/", views.status, name="hall_status"),
    path("hall/<str:reference>/end-early/", views.end_early, name="hall_end_early"),
]
