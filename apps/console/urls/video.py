from django.urls import URLPattern, path

from apps.console.views import terminals, video

urlpatterns: list[URLPattern] = [
    path("video/", video.day, name="video"),
    path("video/<str:reference>/custody/", video.custody, name="video_custody"),
    path("video/<str:reference>/open/", video.open_at_terminal, name="video_open"),
    path("video/<str:reference>/warn/", video.warn, name="video_warn"),
    path("video/<str:reference>/end/", video.end, name="video_end"),
    path("video/<str:reference>/watch/", video.watch, name="video_watch"),
    path("video/<str:reference>/recording/", video.recording, name="video_recording"),
    path(
        "video/<str:reference>/recording/media/",
        video.recording_media,
        name="video_recording_media",
    ),
    path("terminals/", terminals.terminals, name="terminals"),
    path(
        "terminals/<int:terminal_id>/pairing-code/",
        terminals.pairing_code,
        name="terminal_pairing_code",
    ),
]
