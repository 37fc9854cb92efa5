from django.urls import URLPattern, path

from apps.console.views import api_tokens as views

urlpatterns: list[URLPattern] = [
    path("api-tokens/", views.token_list, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.token_revoke, name="api_tokens_revoke"),
]
