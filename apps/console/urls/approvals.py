from django.urls import URLPattern, path

from apps.console.views import approvals as views

urlpatterns: list[URLPattern] = [
    path("approvals/", views.queue, name="approvals"),
    path("approvals/<int:contact_id>/approve/", views.approve, name="approvals_approve"),
    path("approvals/<int:contact_id>/reject/", views.reject, name="approvals_reject"),
    path("approvals/<int:contact_id>/reveal/", views.reveal, name="approvals_reveal"),
]
