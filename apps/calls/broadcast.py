"""Messages from services to every socket of a call, through the channel layer.

Services run in sync code (views, the scheduler, or a consumer's thread);
they send after their transaction commits, so a socket never hears of a
change that was rolled back.
"""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def call_group(call_id: int) -> str:
    return f"call-{call_id}"


def _send_now(call_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            call_group(call_id), {"type": "call.message", "message": message}
        )


def broadcast(call_id: int, message: dict[str, Any]) -> None:
    """Send ``message`` to every socket of the call once the current transaction commits."""
    transaction.on_commit(lambda: _send_now(call_id, message), robust=True)
