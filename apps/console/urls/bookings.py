from django.urls import URLPattern, path

from apps.console.views import bookings as views

urlpatterns: list[URLPattern] = [
    path("book/", views.search, name="book"),
    path("book/<int:prisoner_id>/", views.times, name="book_times"),
    path("book/<int:prisoner_id>/<int:slot_id>/", views.confirm, name="book_confirm"),
    path("book/<int:prisoner_id>/<int:slot_id>/override/", views.override, name="book_override"),
    path("book/visit/<str:reference>/", views.done, name="book_done"),
]
