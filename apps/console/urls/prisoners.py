from django.urls import URLPattern, path

from apps.console.views import prisoners as views

urlpatterns: list[URLPattern] = [
    path("prisoners/", views.prisoners, name="prisoners"),
    path("prisoners/import/", views.import_roster, name="roster_import"),
    path("prisoners/import/apply/", views.import_apply, name="roster_import_apply"),
    path("prisoners/<int:prisoner_id>/", views.prisoner, name="prisoner"),
    path("prisoners/<int:prisoner_id>/change/", views.change, name="prisoner_change"),
    path("prisoners/<int:prisoner_id>/transfer/", views.transfer, name="prisoner_transfer"),
    path("prisoners/<int:prisoner_id>/release/", views.release, name="prisoner_release"),
]
