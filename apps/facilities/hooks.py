"""What a change to the schedule (a closure, a capacity cut, a retired time) has the bookings
layer do or say.

Each is answered by apps.bookings (BookingsConfig.ready); see lib/hooks.py.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lib.hooks import hook

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.facilities.models import Closure, Slot


@hook
def closed_visits_cancel(*, actor: "User", closure: "Closure") -> list[str]:
    """Cancel the booked visits on the closed date or time, each family told the closure's
    reason. The references cancelled."""
    raise NotImplementedError


@hook
def seats_cut(*, actor: "User", slot: "Slot", capacity: int, reason: str) -> list[str]:
    """Make room for a cut of ``slot`` (locked) to ``capacity``: seats held for the waitlist
    give way first, then the newest bookings are cancelled with ``reason``; refused
    (ValidationError) if the visitors already checked in would not fit. The references
    cancelled."""
    raise NotImplementedError


@hook
def slots_with_visits(*, slot_ids: Iterable[int]) -> tuple[set[int], bool]:
    """Which of these slots any booking refers to (so they stay on record), and whether any of
    them is still booked (so cancelling needs a reason)."""
    raise NotImplementedError
