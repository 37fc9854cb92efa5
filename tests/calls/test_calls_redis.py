"""The signaling socket over the Redis channel layer (what several server processes share)."""

import json
import os
import uuid

import pytest
import redis

from tests.calls.test_calls_socket import SDP, TERMINAL, joined, ready, receive, run, socket

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_layer(settings):
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"test-{uuid.uuid4().hex[:8]}"},
        }
    }


def test_a_call_is_carried_through_redis(world, redis_layer):
    call = ready(world)

    async def scenario():
        terminal = await socket(call, TERMINAL, peer="1" * 32)
        family = await socket(call, world.family.user, peer="2" * 32)
        await joined(terminal)
        await joined(family)
        assert (await receive(terminal, "peer"))["peer"] == "2" * 32
        assert (await receive(family, "peer"))["peer"] == "1" * 32
        await family.send_to(json.dumps({"type": "signal", "to": "1" * 32, "description": SDP}))
        assert (await receive(terminal, "signal"))["description"] == SDP
        officer = await socket(call, world.officer)
        await joined(officer)
        await officer.send_to(json.dumps({"type": "warn", "text": "Keep your voice down"}))
        assert (await receive(family, "warning"))["text"] == "Keep your voice down"
        for comm in (terminal, family, officer):
            await comm.disconnect()

    run(scenario)
