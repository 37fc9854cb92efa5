"""Servers for the video-visit browser tests and bench/video_join.py: uvicorn in a
thread of the test process or in subprocesses sharing a database and Redis, and
a local coturn that can be killed and started again on the same port."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- servers


class ThreadServer:
    """uvicorn serving config.asgi in a thread of this process, static files included.

    The test and the server share Django's settings and database, so a test
    reads what the server did directly and overrides settings with pytest-django.
    """

    def __init__(self) -> None:
        import uvicorn
        from channels.routing import ProtocolTypeRouter
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from django.core.asgi import get_asgi_application

        from config.asgi import router

        app = ProtocolTypeRouter(
            {
                "http": ASGIStaticFilesHandler(get_asgi_application()),
                "websocket": router.application_mapping["websocket"],
            }
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ThreadServer:
        self.thread.start()
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class ProcessServer:
    """uvicorn in its own process: the settings come from ``env`` (DATABASE_URL, REDIS_URL ...)."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ProcessServer:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response,
            ):
                if response.status == 200:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a server process: this one's, DEBUG on so it serves static files."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VISITLINE_ENV": "demo",
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE")
    env.update(overrides)
    return env


def wait_for_port(port: int, *, udp: bool = False, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


# --------------------------------------------------------------------------- coturn


@dataclass
class Turn:
    """A local coturn with coturn's REST authentication (use-auth-secret)."""

    secret: str = "visitline-test-secret"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    @staticmethod
    def available() -> bool:
        return shutil.which("turnserver") is not None

    def start(self) -> Turn:
        relay = free_port()
        self.process = subprocess.Popen(
            [
                "turnserver",
                f"--listening-port={self.port}",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                # Relays on loopback: coturn refuses loopback peers unless told.
                "--allow-loopback-peers",
                "--use-auth-secret",
                f"--static-auth-secret={self.secret}",
                "--realm=visitline",
                "--no-cli",
                "--no-tls",
                "--no-dtls",
                "--no-multicast-peers",
                f"--min-port={relay}",
                f"--max-port={relay + 200}",
                "--log-file=stdout",
                "--simple-log",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)  # coturn listens on TCP and UDP alike
        return self

    def kill(self) -> None:
        """Cut the media path: every relayed packet stops at once."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


# --------------------------------------------------------------------------- server processes


def redis_url(db: int) -> str | None:
    """redis://127.0.0.1:6379/<db> if a Redis answers there, else None."""
    import redis

    url = f"redis://127.0.0.1:6379/{db}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return None
    return url


def shared_database_url(directory: Path) -> str:
    """A DATABASE_URL for server processes that reaches the test's (committed) data.

    PostgreSQL: the test database itself. SQLite in memory (pytest-django's
    default) cannot be opened from another process, so it is copied to a file
    with SQLite's backup API; what the servers write there the test does not see.
    """
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings["USER"] or "postgres"
        return (
            f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
            f"/{settings['NAME']}"
        )
    name = str(settings["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        import sqlite3

        copy = directory / "shared.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        connection.connection.backup(target)
        target.close()
        name = str(copy)
    return f"sqlite:///{name}"


def process_env(directory: Path, **overrides: str) -> dict[str, str]:
    """A server process configured like this test process (keys, video settings)."""
    from django.conf import settings

    env = server_env(
        SECRET_KEY=settings.SECRET_KEY,
        IDENTITY_KEY=settings.IDENTITY_KEY,
        VISITLINE_DATA_DIR=str(directory),
        VIDEO_TURN_URLS=",".join(settings.VIDEO_TURN_URLS),
        VIDEO_STUN_URLS=",".join(settings.VIDEO_STUN_URLS),
        VIDEO_TURN_SECRET=settings.VIDEO_TURN_SECRET,
        VIDEO_ICE_TRANSPORT_POLICY=settings.VIDEO_ICE_TRANSPORT_POLICY,
    )
    env.update(overrides)
    return env
