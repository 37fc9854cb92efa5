from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.portal.views.auth import switch_language

urlpatterns = [
    path("i18n/setlang/", switch_language, name="set_language"),
    path("family/", include("apps.portal.urls")),
    path("console/", include("apps.console.urls")),
    path("api/v1/", include("apps.api.urls")),
    path("terminal/", include("apps.calls.urls")),
    path("", include("apps.public.urls")),
]
if settings.ADMIN_ENABLED:
    urlpatterns.insert(0, path("admin/", admin.site.urls))
