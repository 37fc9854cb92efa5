"""Console pages of allocation, under /console/<facility code>/allocation/."""

from django.urls import URLPattern, path

from apps.console.views import allocation as views

urlpatterns: list[URLPattern] = [
    path("allocation/", views.index, name="allocation"),
    path("allocation/mode/", views.mode, name="allocation_mode"),
    path("allocation/open/", views.open_window, name="allocation_open"),
    path("allocation/close/", views.close, name="allocation_close"),
    path("allocation/preview/", views.preview, name="allocation_preview"),
    path("allocation/publish/", views.publish, name="allocation_publish"),
]
