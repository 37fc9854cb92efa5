from django.urls import URLPattern, path

from apps.console.views import audit as views

urlpatterns: list[URLPattern] = [
    path("audit/", views.audit_list, name="audit"),
]
