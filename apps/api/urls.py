"""The integration API, mounted at /api/v1/."""

from django.urls import path

from apps.api.main import api

urlpatterns = [path("", api.urls)]
