"""What joining a call costs the server before ``welcome``: one worker-thread hop, few queries.

The join time is the product's first impression (bench/video_join.py); the
socket's checks must stay as strict as before (tests/calls/test_calls_socket.py).
"""

import pytest

from apps.calls.services import call_acknowledge_disclosure, call_confirm_custody
from apps.calls.services.calls import device_user
from apps.calls.sockets import CallSession, SocketRefused
from tests.calls_support import world_call

pytestmark = pytest.mark.django_db


def test_the_terminal_joins_in_one_query_and_the_family_in_two(
    world, django_assert_max_num_queries
):
    call = world_call(world)
    call_acknowledge_disclosure(actor=world.family.user, call=call)
    call = call_confirm_custody(actor=world.officer, call=call)
    terminal = device_user(call.terminal)
    reference = call.booking.reference

    with django_assert_max_num_queries(1):
        session, welcome = CallSession.open(user=terminal, reference=reference, peer="1" * 32)
    assert session.role == welcome["you"]["role"] == "terminal"
    assert welcome["call"]["custody_confirmed"] is True

    # The family's first join also records when the family joined.
    with django_assert_max_num_queries(2):
        session, welcome = CallSession.open(
            user=world.family.user, reference=reference, peer="2" * 32
        )
    assert session.role == "family"
    assert session.call.family_joined_at is not None
    with django_assert_max_num_queries(1):
        CallSession.open(user=world.family.user, reference=reference, peer="3" * 32)


def test_the_one_hop_join_still_refuses_with_the_reason(world):
    call = world_call(world)
    reference = call.booking.reference
    for user, code in [
        (world.family.user, 4412),  # has not acknowledged the disclosure
        (world.other_family.user, 4403),
        (world.other_officer, 4403),
    ]:
        with pytest.raises(SocketRefused) as refused:
            CallSession.open(user=user, reference=reference, peer="1" * 32)
        assert refused.value.code == code
    with pytest.raises(SocketRefused) as refused:
        CallSession.open(user=world.family.user, reference="ZZZZZZZZ", peer="1" * 32)
    assert refused.value.code == 4404
