"""Writing bookings: create, cancel, check in, and move a visit through its states."""

from apps.bookings.services.create import (
    _ALLOWANCE_USED,
    booking_create,
    booking_create_or_replay,
)
from apps.bookings.services.lifecycle import booking_cancel, booking_check_in, booking_transition
from apps.bookings.services.seats import seat_return, seat_take

__all__ = [
    "_ALLOWANCE_USED",
    "booking_cancel",
    "booking_check_in",
    "booking_create",
    "booking_create_or_replay",
    "booking_transition",
    "seat_return",
    "seat_take",
]
