"""One ASGI application for HTTP and for the video visits' signaling sockets."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before the consumers' modules import models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware  # noqa: E402

from apps.calls.routing import websocket_urlpatterns  # noqa: E402


def behind_proxies(app: Any) -> Any:
    """X-Forwarded-For and -Proto are believed only from the proxies in TRUSTED_PROXIES.

    Rate limits key on the client's address, so a header anyone can forge must not
    set it. The server is started with --no-proxy-headers (its own default would
    trust 127.0.0.1) and this is the one place the rule is applied.
    """
    return ProxyHeadersMiddleware(app, trusted_hosts=settings.TRUSTED_PROXIES or [])


router = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
application = behind_proxies(router)
