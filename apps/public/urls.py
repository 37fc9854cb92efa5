from django.urls import path

from apps.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("facilities/<slug:code>/", views.facility_detail, name="facility"),
    path("facilities/<slug:code>/rules/", views.facility_rules, name="rules"),
]
