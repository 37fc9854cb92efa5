"""ICE settings and coturn REST credentials handed to each participant."""

import base64
import hashlib
import hmac

import pytest

from apps.calls.media import PeerToPeerBackend, media_backend, turn_credentials
from tests.calls_support import world_call


def test_turn_credentials_follow_coturns_rest_scheme():
    username, password = turn_credentials(secret="s3cret", reference="ABCD2345", ttl=600, now=1000)
    assert username == "1600:ABCD2345"
    expected = hmac.new(b"s3cret", b"1600:ABCD2345", hashlib.sha1).digest()
    assert base64.b64decode(password) == expected


@pytest.mark.django_db
def test_each_join_gets_the_configured_ice_servers(world, settings):
    settings.VIDEO_STUN_URLS = ["stun:stun.example.org:3478"]
    settings.VIDEO_TURN_URLS = ["turn:127.0.0.1:3478?transport=udp"]
    settings.VIDEO_TURN_SECRET = "s3cret"
    settings.VIDEO_ICE_TRANSPORT_POLICY = "relay"
    call = world_call(world)
    config = media_backend().join_config(call, {"peer": "a" * 32, "role": "family"})
    assert config["backend"] == "p2p" and config["ice_transport_policy"] == "relay"
    stun, turn = config["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert turn["username"].endswith(":" + call.booking.reference)
    assert isinstance(media_backend(), PeerToPeerBackend)


@pytest.mark.django_db
def test_without_servers_the_browsers_use_host_candidates(world, settings):
    settings.VIDEO_STUN_URLS = []
    settings.VIDEO_TURN_URLS = []
    config = PeerToPeerBackend().join_config(
        world_call(world), {"peer": "a" * 32, "role": "terminal"}
    )
    assert config["ice_servers"] == []
