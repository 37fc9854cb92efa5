"""What a change to people (custody, a contact, a restriction) has the bookings layer do.

Each is answered by apps.bookings (BookingsConfig.ready); see lib/hooks.py.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lib.hooks import hook

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.people.models import Contact, Restriction


@hook
def future_visits_cancel(
    *, actor: "User", prisoner_ids: Iterable[int], reason: str, visitor_id: int | None = None
) -> list[str]:
    """Cancel the prisoners' booked visits still to come (only one visitor's, if named): what
    a transfer, a release or a suspended contact does. The references cancelled."""
    raise NotImplementedError


@hook
def restricted_visits_cancel(
    *, actor: "User", restriction: "Restriction", contacts: list["Contact"]
) -> list[str]:
    """Cancel the booked visits a new restriction rules out for these contacts. The references
    cancelled."""
    raise NotImplementedError
