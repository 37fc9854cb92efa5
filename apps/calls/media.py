"""The media backend seam: what a participant needs to connect, and what an ending call releases.

The default backend lets browsers connect peer to peer through the terminal
hub, with ICE servers from settings and coturn REST credentials
(``use-auth-secret``). A large deployment can point ``VIDEO_MEDIA_BACKEND`` at
an SFU backend (docs/video.md, "A large deployment").
"""

import base64
import hashlib
import hmac
import time
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from apps.calls.models import Call


class MediaBackend(Protocol):
    def join_config(self, call: Call, participant: dict[str, str]) -> dict[str, Any]:
        """Sent to the participant in ``welcome.media``; ``participant`` has ``peer`` and ``role``."""
        ...

    def on_end(self, call: Call) -> None:
        """Release whatever the backend holds for the call (rooms, tokens)."""
        ...


def turn_credentials(
    *, secret: str, reference: str, ttl: int, now: float | None = None
) -> tuple[str, str]:
    """coturn's REST scheme: the username carries its expiry, the password is its HMAC-SHA1."""
    expiry = int((now if now is not None else time.time()) + ttl)
    username = f"{expiry}:{reference}"
    mac = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(mac).decode()


def ice_servers(reference: str) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    if settings.VIDEO_STUN_URLS:
        servers.append({"urls": list(settings.VIDEO_STUN_URLS)})
    if settings.VIDEO_TURN_URLS:
        turn: dict[str, Any] = {"urls": list(settings.VIDEO_TURN_URLS)}
        if settings.VIDEO_TURN_SECRET:
            turn["username"], turn["credential"] = turn_credentials(
                secret=settings.VIDEO_TURN_SECRET,
                reference=reference,
                ttl=settings.VIDEO_TURN_TTL_SECONDS,
            )
        servers.append(turn)
    return servers


class PeerToPeerBackend:
    """Browsers connect directly (or through TURN); the server only relays signaling."""

    def join_config(self, call: Call, participant: dict[str, str]) -> dict[str, Any]:
        return {
            "backend": "p2p",
            "ice_servers": ice_servers(call.booking.reference),
            "ice_transport_policy": settings.VIDEO_ICE_TRANSPORT_POLICY,
        }

    def on_end(self, call: Call) -> None:
        """Nothing is held server-side: closing the sockets ends the peer connections."""


@cache
def _backend_class(path: str) -> type:
    return import_string(path)


def media_backend() -> MediaBackend:
    return _backend_class(settings.VIDEO_MEDIA_BACKEND)()
