"""Video visits at chosen times, for the calls tests (and the browser tests of the call pages)."""

import datetime as dt
import itertools
from typing import Any
from unittest import mock
from urllib.parse import urlparse

from asgiref.testing import ApplicationCommunicator
from django.test import Client
from django.utils import timezone

from apps.bookings.models import AllowanceUsage, Booking, BookingVisitor
from apps.calls.demo import one_visit_slot
from apps.calls.middleware import DEVICE_SESSION_KEY
from apps.calls.models import Call
from apps.calls.services import call_open
from apps.calls.services.calls import device_user
from apps.facilities.models import Facility, Slot, Terminal
from apps.people.models import Prisoner, Visitor
from lib.references import new_reference
from tests import factories

_keys = itertools.count(1)


def video_slot(
    facility: Facility, *, starts_at: dt.datetime, minutes: int, terminal: Terminal | None = None
) -> Slot:
    terminal = terminal or factories.terminal(facility)
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    return one_visit_slot(facility, terminal, starts_at=starts_at, ends_at=ends_at)


def video_booking(
    *,
    facility: Facility,
    prisoner: Prisoner,
    visitor: Visitor,
    starts_in: dt.timedelta = dt.timedelta(minutes=-1),
    minutes: int = 30,
    terminal: Terminal | None = None,
    kind: str = "video",
) -> Booking:
    """A booked video visit (one allowance used) starting ``starts_in`` from now."""
    starts_at = timezone.now() + starts_in
    slot = video_slot(facility, starts_at=starts_at, minutes=minutes, terminal=terminal)
    allowance = None
    if kind != "legal":
        allowance, _ = AllowanceUsage.objects.get_or_create(
            prisoner=prisoner,
            kind=kind,
            period=AllowanceUsage.Period.MONTH,
            period_start=facility.local_today(starts_at).replace(day=1),  # the facility's month
            defaults={"allowed": 10},
        )
        AllowanceUsage.objects.filter(pk=allowance.pk).update(used=allowance.used + 1)
    slot.booked_count = 1
    slot.save(update_fields=["booked_count"])
    booking = Booking.objects.create(
        reference=new_reference(),
        facility=facility,
        slot=slot,
        prisoner=prisoner,
        kind=kind,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        allowance_usage=allowance,
        created_by=visitor.user,  # type: ignore[misc]  # a visitor with an account
        idempotency_key=f"call-test-{next(_keys)}",
        request_fingerprint="-",
    )
    BookingVisitor.objects.create(booking=booking, visitor=visitor)
    return booking


def world_call(world: Any, *, prisoner: Prisoner | None = None, **options: Any) -> Call:
    """A call of the world's family; pass another prisoner for a second call at the same time."""
    booking = video_booking(
        facility=world.facility,
        prisoner=prisoner or world.prisoner,
        visitor=world.family,
        **options,
    )
    return call_open(booking)


def terminal_client(terminal: Terminal) -> Client:
    """A browser signed in as the terminal's device account (as after pairing)."""
    browser = Client(headers={"accept-language": "en"})
    browser.force_login(device_user(terminal))
    session = browser.session
    session[DEVICE_SESSION_KEY] = terminal.pk
    session.save()
    return browser


def _no_op() -> None:
    pass


class SocketClient(ApplicationCommunicator):
    """Channels' WebsocketCommunicator, without the package import that needs daphne
    (channels.testing imports its live-server helper, which this project does not use)."""

    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        parsed = urlparse(path)
        scope = {
            "type": "websocket",
            "path": parsed.path,
            "query_string": parsed.query.encode(),
            "headers": headers,
            "subprotocols": [],
        }
        super().__init__(application, scope)

    # As in channels.testing: the test owns the database connection.
    async def send_input(self, message: dict[str, Any]) -> None:
        with mock.patch("channels.db.close_old_connections", _no_op):
            await super().send_input(message)

    async def receive_output(self, timeout: float = 1) -> dict[str, Any]:
        with mock.patch("channels.db.close_old_connections", _no_op):
            return await super().receive_output(timeout)

    async def connect(self, timeout: float = 5) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        return True, response.get("subprotocol")

    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await self.send_input({"type": "websocket.receive", "text": text_data})
        else:
            await self.send_input({"type": "websocket.receive", "bytes": bytes_data})

    async def receive_from(self, timeout: float = 5) -> str:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return response["text"]

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
