"""Pages and uploads of the prison's video terminals, mounted at /terminal/."""

from django.urls import URLPattern, path

from apps.calls import views_terminal

app_name = "calls"

urlpatterns: list[URLPattern] = [
    path("", views_terminal.terminal_home, name="terminal_home"),
    path("calls/<str:reference>/", views_terminal.terminal_call, name="terminal_call"),
]
