"""What one socket knows about its call: its role, the peers it may talk to, the custody state."""

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import BookingVisitor
from apps.calls import schemas
from apps.calls.media import media_backend
from apps.calls.models import Call, CallDisclosure, TerminalDevice
from apps.calls.selectors import call_clock, call_is_due, clock_message, may_supervise
from apps.calls.services import call_join, call_open_by_reference
from lib.references import normalize_reference

_PEER = re.compile(schemas.PEER_PATTERN)


class SocketRefused(Exception):
    """Why a socket may not join a call; ``code`` is the close code (docs/video.md)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def socket_access(
    user: User, reference: str, *, now: dt.datetime | None = None
) -> tuple[Call, str]:
    """The call and the role this user joins it in, or SocketRefused with the close code.

    The call is read with what the checks need to know about this user in one
    query (the join's cost is the family's wait: bench/video_join.py).
    """
    if not user.is_authenticated:
        raise SocketRefused(4401)
    call = _socket_call(user, reference)
    if call is None:
        raise SocketRefused(4404)
    role = _socket_role(user, call)
    now = now or timezone.now()
    if call.ended_at is not None or call_is_due(call, now=now):
        raise SocketRefused(4410)
    if now < call.opens_at:
        raise SocketRefused(4408)
    observed = call.supervised or call.recorded
    if role == "family" and observed and not call.user_acknowledged:
        raise SocketRefused(4412)
    return call, role


def _socket_call(user: User, reference: str) -> Any:
    """The call, annotated with this user's device, place in the party and acknowledgement."""
    calls = (
        Call.objects.select_related("booking")
        .annotate(
            user_terminal=Subquery(
                TerminalDevice.objects.filter(user_id=user.pk).values("terminal_id")[:1]
            ),
            user_is_visitor=Exists(
                BookingVisitor.objects.filter(booking_id=OuterRef("booking_id"), visitor__user=user)
            ),
            user_acknowledged=Exists(
                CallDisclosure.objects.filter(call_id=OuterRef("pk"), visitor__user=user)
            ),
        )
        .filter(booking__reference=normalize_reference(reference))
    )
    call = calls.first()
    if call is None and call_open_by_reference(reference) is not None:
        call = calls.first()  # the booking's first join opened its call
    return call


def _socket_role(user: User, call: Any) -> str:
    if call.user_terminal is not None:
        if call.user_terminal == call.terminal_id:
            return "terminal"
        raise SocketRefused(4403)
    if call.user_is_visitor:
        return "family"
    if call.supervised and not call.is_legal and may_supervise(user, call.facility_id):
        return "officer"
    raise SocketRefused(4403)


# A page sends a few messages a second (ICE candidates come in bursts of tens
# per connection, the terminal's media report every few seconds); a socket
# that sends far more is flooding, and what it sends past its budget is dropped
# before it is read, so one page cannot fill the others' channels or the server.
MESSAGE_BURST = 60
MESSAGES_PER_SECOND = 20.0
# The terminal makes a peer connection for each family page it is told of: a
# few phones and reloads, not a swarm of sockets that would starve the visit.
MAX_FAMILY_PEERS = 6


@dataclass
class Budget:
    """A token bucket: ``MESSAGE_BURST`` messages at once, refilled at ``MESSAGES_PER_SECOND``."""

    tokens: float = MESSAGE_BURST
    at: float = field(default_factory=time.monotonic)
    refused: int = 0

    def spend(self) -> bool:
        now = time.monotonic()
        self.tokens = min(MESSAGE_BURST, self.tokens + (now - self.at) * MESSAGES_PER_SECOND)
        self.at = now
        if self.tokens < 1:
            self.refused += 1
            return False
        self.tokens -= 1
        self.refused = 0
        return True

    def first_refusal(self) -> bool:
        """True for the first message dropped in a row: the page is told once, not per message."""
        return self.refused == 1


@dataclass
class Peer:
    role: str
    channel: str


@dataclass
class CallSession:
    call: Call
    user: User
    role: str
    peer: str
    peers: dict[str, Peer] = field(default_factory=dict)
    custody_confirmed: bool = False
    budget: Budget = field(default_factory=Budget)
    ended: bool = False  # the end was sent; the socket is closing
    started_told: bool = False  # this socket has been told that the visit may start

    @staticmethod
    def valid_peer(peer: str) -> bool:
        return bool(_PEER.fullmatch(peer))

    @classmethod
    def open(cls, *, user: User, reference: str, peer: str) -> tuple["CallSession", dict[str, Any]]:
        """Runs in a worker thread: the checks, the bookkeeping and ``welcome`` in one hop.

        Raises ``SocketRefused`` with the close code.
        """
        call, role = socket_access(user, reference)
        session = cls(call=call, user=user, role=role, peer=peer)
        return session, session.welcome()

    def welcome(self) -> dict[str, Any]:
        """Runs in a worker thread: joins the call's bookkeeping and builds the first message."""
        self.call = call_join(call=self.call, role=self.role)
        self.custody_confirmed = self.call.custody_confirmed_at is not None
        self.started_told = self.may_start()
        you = {"peer": self.peer, "role": self.role}
        return {
            "type": "welcome",
            "you": you,
            "call": {
                **call_clock(self.call),
                "supervised": self.call.supervised,
                "recorded": self.call.recorded,
                "custody_confirmed": self.custody_confirmed,
                "may_start": self.started_told,
            },
            "media": media_backend().join_config(self.call, you),
        }

    def clock(self) -> dict[str, Any]:
        return {**clock_message(self.call), "may_start": self.may_start()}

    def may_start(self) -> bool:
        """The server, not the pages, decides when the terminal and the family connect."""
        return timezone.now() >= self.call.starts_at

    def absorb(self, message: dict[str, Any]) -> dict[str, Any]:
        """Learn from a broadcast before passing it on (custody, a new end time)."""
        if message["type"] == "state":
            self.custody_confirmed = bool(message["custody_confirmed"])
            return {**message, "may_start": self.may_start()}
        if message["type"] == "clock":
            self.call.ends_at = type(self.call.ends_at).fromisoformat(message["ends_at"])
            now = timezone.now().isoformat()
            return {**message, "server_now": now, "may_start": self.may_start()}
        return message

    def meet(self, peer: str, role: str, channel: str) -> bool:
        """Remember a peer; True when it is new (a reconnect with the same id only moves channel).

        Peer ids are chosen by the pages, so an id that is this socket's own, or
        that another role already holds, is ignored: nobody takes over a peer.
        """
        known = self.peers.get(peer)
        if peer == self.peer or (known is not None and known.role != role):
            return False
        if known is None and role == "family" and self._family_count() >= MAX_FAMILY_PEERS:
            return False
        self.peers[peer] = Peer(role=role, channel=channel)
        return known is None

    def _family_count(self) -> int:
        return sum(1 for known in self.peers.values() if known.role == "family")

    def knows(self, peer: str, role: str, channel: str) -> bool:
        """The sender of a relayed signal is the peer met under that id, not a page claiming it."""
        known = self.peers.get(peer)
        return known is not None and (known.role, known.channel) == (role, channel)

    def forget(self, peer: str, channel: str) -> bool:
        """Forget a peer that left, unless it has already come back on another channel."""
        known = self.peers.get(peer)
        if known is None or known.channel != channel:
            return False
        del self.peers[peer]
        return True

    def signal_problem(self, target: Peer | None) -> str:
        """Why a signal to ``target`` may not go: the terminal is the hub, custody comes
        first, and media between the terminal and the family waits for the start
        (officers may connect during the waiting window)."""
        if target is None:
            return "unknown_peer"
        if "terminal" not in (self.role, target.role):
            return "not_allowed"
        if "family" in (self.role, target.role) and not self.custody_confirmed:
            return "custody_not_confirmed"
        if "family" in (self.role, target.role) and not self.may_start():
            return "not_started"
        return ""
