"""The suite's clock: every test runs at an instant it names, never at today's date.

time-machine moves ``datetime``, ``date`` and ``time.time`` for the whole test
process at C level (threads and async code included) and leaves the monotonic
clocks alone, so asyncio's timers and timeouts keep real time. It is chosen over
freezegun, which patches names module by module and misses code that imported
``datetime`` before the patch.

A test that names no instant runs at ``DEFAULT_NOW``: an ordinary Wednesday in
the middle of a month, mid-morning in Asia/Shanghai, with the clock running from
there, so a test cannot pass today and fail tomorrow. A test that depends on an
exact instant moves the clock there (``clock.move_to``), which stops it, and
moves it on by hand (``clock.tick``).

Tests whose server runs in another process (the browser tests, the API crash
test) keep the real clock: ``@pytest.mark.real_clock``.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")
DEFAULT_NOW = dt.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)  # a Wednesday


def at(when: str | dt.datetime, zone: str | ZoneInfo = SHANGHAI) -> dt.datetime:
    """An aware instant: ``at("2027-02-28 23:55", "Asia/Urumqi")``, or a naive datetime in ``zone``."""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    moment = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


class Clock:
    """What a test holds: where "now" is, and the hands to move it."""

    def __init__(self) -> None:
        self._travel = time_machine.travel(_utc(DEFAULT_NOW), tick=True)
        self._hands = self._travel.start()

    def stop(self) -> None:
        self._travel.stop()

    def now(self) -> dt.datetime:
        return timezone.now()

    def move_to(
        self, when: str | dt.datetime, zone: str | ZoneInfo = SHANGHAI, *, tick: bool = False
    ) -> dt.datetime:
        """Go to an instant (stopped there unless ``tick``) and return it."""
        instant = at(when, zone)
        self._hands.move_to(_utc(instant), tick=tick)
        return instant

    def tick(self, delta: dt.timedelta | float = dt.timedelta(seconds=1)) -> None:
        """Move the clock on by ``delta`` (seconds, or a timedelta)."""
        self._hands.shift(delta)


def _utc(instant: dt.datetime) -> dt.datetime:
    # An instant in UTC: time-machine would otherwise set the process's TZ to the
    # destination's zone, and children started by the test would inherit it.
    return instant.astimezone(dt.UTC)
