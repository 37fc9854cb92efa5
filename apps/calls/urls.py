"""Pages and uploads of the prison's video terminals, mounted at /terminal/."""

from django.urls import URLPattern, path

from apps.calls import views_pairing, views_terminal

app_name = "calls"

urlpatterns: list[URLPattern] = [
    path("", views_terminal.terminal_home, name="terminal_home"),
    path("calls/<str:reference>/", views_terminal.terminal_call, name="terminal_call"),
    path("pair/", views_pairing.pair, name="pair"),
    path(
        "calls/<str:reference>/recording/<int:seq>",
        views_pairing.recording_chunk,
        name="recording",
    ),
]
