from django.urls import URLPattern, path

from apps.console.views import schedules as views

urlpatterns: list[URLPattern] = [
    path("schedules/", views.templates, name="schedules"),
    path("schedules/templates/new/", views.template_new, name="schedules_template_new"),
    path(
        "schedules/templates/<int:template_id>/",
        views.template_change,
        name="schedules_template_change",
    ),
    path(
        "schedules/templates/<int:template_id>/retire/",
        views.template_retire,
        name="schedules_template_retire",
    ),
    path("schedules/slots/", views.slots, name="schedules_slots"),
    path(
        "schedules/slots/<int:slot_id>/capacity/",
        views.slot_capacity,
        name="schedules_slot_capacity",
    ),
    path("schedules/slots/<int:slot_id>/close/", views.slot_close, name="schedules_slot_close"),
    path("schedules/closures/", views.closures, name="schedules_closures"),
    path("schedules/closures/new/", views.close_date, name="schedules_close_date"),
]
