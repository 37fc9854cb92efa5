from django.urls import URLPattern, path

from apps.console.views import messages as views

urlpatterns: list[URLPattern] = [
    path("messages/", views.undelivered, name="messages_undelivered"),
    path("messages/<str:reference>/", views.booking_messages, name="booking_messages"),
]
