"""WebSocket routes, all under /ws/."""

from django.urls import URLPattern, path

from apps.calls.consumers import CallConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/calls/<str:reference>/", CallConsumer.as_asgi(), name="call_socket"),
]
