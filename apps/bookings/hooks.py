"""What a change to bookings has a higher layer do: the waitlist and the worker.

``seat_freed`` is answered by apps.worker, ``seat_holds_return`` by apps.waitlist
(each in its AppConfig.ready); see lib/hooks.py.
"""

from typing import TYPE_CHECKING

from lib.hooks import hook

if TYPE_CHECKING:
    from apps.facilities.models import Slot


@hook
def seat_freed() -> None:
    """A booked seat was given back and the change committed: offer it to whoever waits."""
    raise NotImplementedError


@hook
def seat_holds_return(*, slot: "Slot") -> int:
    """Give back the seats held, not booked, in ``slot`` (locked), before a capacity cut
    cancels any booking: a hold gives way first. How many were given back."""
    raise NotImplementedError
