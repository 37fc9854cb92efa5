"""Pages and uploads of the prison's video terminals, mounted at /terminal/."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "calls"

urlpatterns: list[URLPattern] = []
