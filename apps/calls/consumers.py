"""The signaling socket of a video visit (docs/video.md).

The consumer keeps no state shared between processes: who is present is
learnt from the group (a newcomer announces itself, members answer it
directly), and everything the server decides is in the database.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pydantic import ValidationError as SchemaError

from apps.calls import schemas, selectors, services
from apps.calls.broadcast import call_group
from apps.calls.models import Call
from apps.calls.sockets import CallSession, SocketRefused

logger = logging.getLogger(__name__)

CLOCK_EVERY_SECONDS = 30
CLOSE_ENDED = 4000


def _visible(viewer: str, other: str) -> bool:
    """The terminal sees everyone; the family and officers see only the terminal."""
    return viewer == "terminal" or other == "terminal"


class CallConsumer(AsyncWebsocketConsumer):
    session: CallSession | None = None
    watcher: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        # Accept first so that a refusal's close code reaches the browser.
        await self.accept()
        user = self.scope.get("user")
        reference = self.scope["url_route"]["kwargs"]["reference"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        peer = (query.get("peer") or [""])[0]
        try:
            if user is None or not user.is_authenticated:
                raise SocketRefused(4401)
            if not CallSession.valid_peer(peer):
                raise SocketRefused(4400)
            # One hop to the database: access, role and the welcome together. A
            # broadcast sent before group_add is caught up by the watcher.
            self.session, welcome = await database_sync_to_async(CallSession.open)(
                user=user, reference=reference, peer=peer
            )
        except SocketRefused as refused:
            await self.close(code=refused.code)
            return
        await self.channel_layer.group_add(call_group(self.session.call.pk), self.channel_name)
        await self.send_json(welcome)
        await self.send_json(self.session.clock())
        await self._group({"type": "peer.joined", **self._me()})
        self.watcher = asyncio.create_task(self._watch())

    async def disconnect(self, code: int) -> None:
        session = self.session
        if session is None:
            return
        if self.watcher is not None:
            self.watcher.cancel()
        await self.channel_layer.group_discard(call_group(session.call.pk), self.channel_name)
        await self._group({"type": "peer.left", **self._me()})
        await database_sync_to_async(services.call_socket_closed)(
            call=session.call, role=session.role, channel=self.channel_name
        )

    # Messages from the browser

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        session = self.session
        if session is None:
            return
        if not session.budget.spend():
            if session.budget.first_refusal():
                await self._error("too_many")
            return
        if text_data is None or len(text_data.encode()) > schemas.MAX_FRAME_BYTES:
            await self._error("too_large" if text_data else "bad_message")
            return
        try:
            # pydantic's own parser: a nesting too deep is a validation error,
            # where json.loads would raise RecursionError and drop the socket.
            message = schemas.incoming.validate_json(text_data)
        except (ValueError, SchemaError):
            await self._error("bad_message")
            return
        if message.type not in schemas.ALLOWED[session.role]:
            await self._error("not_allowed")
            return
        await getattr(self, f"_on_{message.type}")(message)

    async def _on_signal(self, message: schemas.SignalIn) -> None:
        session = self.session
        assert session is not None
        target = session.peers.get(message.to)
        problem = session.signal_problem(target)
        if problem or target is None:
            await self._error(problem or "unknown_peer")
            return
        payload = message.model_dump(include={"description", "candidate"}, exclude_none=True)
        try:
            await self.channel_layer.send(
                target.channel, {"type": "signal.relay", "to": message.to, **self._me(), **payload}
            )
        except ChannelFull:
            await self._error("too_many")  # the other side is not keeping up; the page retries

    async def _on_media(self, message: schemas.MediaIn) -> None:
        await self._service(
            services.call_media_report, state=message.state, channel=self.channel_name
        )

    async def _on_warn(self, message: schemas.WarnIn) -> None:
        await self._service(services.call_warn, text=message.text)

    async def _on_end(self, message: schemas.EndIn) -> None:
        await self._service(services.call_end, reason=message.reason)

    async def _on_leave(self, message: schemas.LeaveIn) -> None:
        await self._service(services.call_leave)

    async def _on_ping(self, message: schemas.PingIn) -> None:
        assert self.session is not None
        await self.send_json(self.session.clock())

    async def _service(self, function: Any, **kwargs: Any) -> None:
        session = self.session
        assert session is not None
        try:
            session.call = await database_sync_to_async(function)(
                actor=session.user, call=session.call, **kwargs
            )
        except (PermissionDenied, ValidationError) as refusal:
            await self._error(getattr(refusal, "code", None) or "refused", refusal)
        except Exception:
            # A fault in one message must not drop the visit's socket.
            logger.exception("Call %s: %s failed", session.call.pk, function.__name__)
            await self._error("server_error")

    # Messages from the group and from other members

    async def call_message(self, event: dict[str, Any]) -> None:
        session = self.session
        if session is None:
            return
        message = session.absorb(event["message"])
        if message["type"] == "end":
            if session.ended:
                return  # both the broadcast and this socket's watcher tell of the end
            session.ended = True
        await self.send_json(message)
        if message["type"] == "end":
            await self.close(code=CLOSE_ENDED)

    async def peer_joined(self, event: dict[str, Any]) -> None:
        session = self.session
        if session is None or event["channel"] == self.channel_name:
            return
        await self._meet(event)
        # Answer the newcomer directly: it learns who is already here.
        await self.channel_layer.send(event["channel"], {"type": "peer.present", **self._me()})

    async def peer_present(self, event: dict[str, Any]) -> None:
        if self.session is not None:
            await self._meet(event)

    async def peer_left(self, event: dict[str, Any]) -> None:
        session = self.session
        if session is None or not session.forget(event["peer"], event["channel"]):
            return
        await self.send_json(
            {"type": "peer", "event": "left", "peer": event["peer"], "role": event["role"]}
        )

    async def signal_relay(self, event: dict[str, Any]) -> None:
        session = self.session
        if session is None or event["to"] != session.peer:
            return
        if not _visible(session.role, event["role"]):
            return  # only the terminal talks to the family and to officers
        if not session.knows(event["peer"], event["role"], event["channel"]):
            return  # a page using an id it was not met under
        body: dict[str, Any] = {k: event[k] for k in ("description", "candidate") if k in event}
        await self.send_json({"type": "signal", "from": event["peer"], **body})

    # Helpers

    async def _meet(self, event: dict[str, Any]) -> None:
        session = self.session
        assert session is not None
        if not _visible(session.role, event["role"]):
            return
        if session.meet(event["peer"], event["role"], event["channel"]):
            await self.send_json(
                {"type": "peer", "event": "joined", "peer": event["peer"], "role": event["role"]}
            )

    async def _watch(self) -> None:
        """Until the call is over: clock ticks, and at the end time ask the server to end it.

        A fault (the database away at the end) is logged and retried at the next
        tick, so that no socket outlives its call.
        """
        assert self.session is not None
        call_id = self.session.call.pk
        while True:
            try:
                if not await self._watch_turn(call_id):
                    return
            except Exception:
                logger.exception("Clock watcher of call %s failed; retrying", call_id)
                await asyncio.sleep(CLOCK_EVERY_SECONDS)

    async def _watch_turn(self, call_id: int) -> bool:
        """One turn of the watcher; False once the call is over and this socket told."""
        session = self.session
        assert session is not None
        call = await database_sync_to_async(selectors.call_for_watcher)(call_id)
        if call.ended_at is not None:
            # Ended here or elsewhere; said again in case the broadcast was lost.
            await self.call_message({"message": _end_message(call)})
            return False
        if selectors.call_is_due(call, now=timezone.now()):
            # Ends or extends it (or another process did): the next turn reads which.
            await database_sync_to_async(services.call_end_if_due)(call_id)
            return True
        now = timezone.now()
        if not session.started_told and now >= call.starts_at:
            # The start: the terminal connects the family now, not before.
            session.started_told = True
            await self.call_message({"message": services.state_message(call)})
        if call.custody_confirmed_at is not None and not session.custody_confirmed:
            # Confirmed while this socket missed the broadcast: without it the
            # terminal could never connect the family.
            await self.call_message({"message": services.state_message(call)})
        remaining = (call.ends_at - now).total_seconds()
        wait = min(CLOCK_EVERY_SECONDS, remaining)
        if not session.started_told:
            wait = min(wait, (call.starts_at - now).total_seconds())
        await asyncio.sleep(max(0.0, wait))
        if remaining > CLOCK_EVERY_SECONDS:
            session.call = call
            await self.send_json(session.clock())
        return True

    def _me(self) -> dict[str, str]:
        assert self.session is not None
        return {"peer": self.session.peer, "role": self.session.role, "channel": self.channel_name}

    async def _group(self, event: dict[str, Any]) -> None:
        assert self.session is not None
        await self.channel_layer.group_send(call_group(self.session.call.pk), event)

    async def _error(
        self, code: str, message: PermissionDenied | ValidationError | None = None
    ) -> None:
        # Errors are read by people: in the language the pages use (the portal's cookie).
        language = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            text = _message(message) if message is not None else _error(code)
        await self.send_json({"type": "error", "code": code, "message": text})

    async def send_json(self, content: dict[str, Any]) -> None:
        # The socket closed under us: Channels raises RuntimeError, uvicorn an
        # OSError (ClientDisconnected); the disconnect handler cleans up.
        with contextlib.suppress(RuntimeError, OSError):
            await self.send(text_data=json.dumps(content))


def _end_message(call: Call) -> dict[str, Any]:
    reason = "time_up" if call.end_reason == "no_show" else call.end_reason
    ended_at = call.ended_at.isoformat() if call.ended_at else ""
    return {"type": "end", "reason": reason, "note": call.end_note, "ended_at": ended_at}


def _message(refusal: PermissionDenied | ValidationError) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(str(m) for m in refusal.messages)
    return str(refusal) or _("This is not allowed.")


def _error(code: str) -> str:
    texts = {
        "too_large": _("This message is too large."),
        "bad_message": _("This message could not be read."),
        "not_allowed": _("You cannot send this message in this visit."),
        "unknown_peer": _("That participant is not in this visit."),
        "too_many": _("Too many messages at once. Some were dropped; the visit goes on."),
        "custody_not_confirmed": _("The officer has not yet confirmed the person at the terminal."),
        "not_started": _("The visit has not started yet. It connects at the start time."),
        "server_error": _("Something went wrong on the server. The visit goes on; try again."),
    }
    return texts.get(code, _("This is not allowed."))
