"""The client's address that rate limits count cannot be set by a forged X-Forwarded-For."""

from pathlib import Path

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from config.asgi import application, behind_proxies

ROOT = Path(__file__).resolve().parents[2]


async def _client_seen(app, peer: str, headers: list[tuple[bytes, bytes]]) -> str:
    seen = {}

    async def echo(scope, receive, send):
        seen["client"] = scope["client"][0]
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": headers,
        "client": (peer, 50000),
        "scheme": "http",
    }
    communicator = ApplicationCommunicator(app(echo), scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    await communicator.receive_output(1)
    return seen["client"]


FORGED = [(b"x-forwarded-for", b"203.0.113.9")]


def client_seen(peer: str, headers: list[tuple[bytes, bytes]]) -> str:
    return async_to_sync(_client_seen)(behind_proxies, peer, headers)


def test_a_forged_header_changes_nothing_by_default(settings):
    settings.TRUSTED_PROXIES = []
    assert client_seen("127.0.0.1", FORGED) == "127.0.0.1"


def test_a_named_proxy_is_believed_and_no_one_else(settings):
    settings.TRUSTED_PROXIES = ["10.1.2.3"]
    assert client_seen("10.1.2.3", FORGED) == "203.0.113.9"
    assert client_seen("127.0.0.1", FORGED) == "127.0.0.1"


def test_the_application_and_the_demo_server_judge_forwarded_headers_this_way():
    assert type(application).__name__ == "ProxyHeadersMiddleware"
    assert "--no-proxy-headers" in (ROOT / "scripts" / "demo.sh").read_text()
