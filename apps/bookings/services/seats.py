"""A slot's seats: the one pair of functions that takes a seat and gives it back.

Nothing else writes ``Slot.booked_count``. A booking and a waitlist hold each
take one here, and a cancellation, an accepted hold (whose booking then takes
it again) or a lapsed hold give it back, so the count is always the slot's
active bookings and holds; a check constraint keeps it within the capacity.
"""

from django.db import connection
from django.db.models import F

from apps.bookings.services import sql
from apps.facilities.models import Slot


def seat_take(slot_id: int) -> bool:
    """Take a seat if one is free (False if the slot is full); the slot's row stays locked
    until the commit, so two takers of the last seat cannot both win.

    Plain SQL (see sql.py): every booking in a rush runs it.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql.TAKE_SEAT.format(**sql.TABLES), [slot_id])
        return cursor.rowcount == 1


def seat_return(slot_id: int) -> None:
    """Give a taken seat back."""
    Slot.objects.filter(pk=slot_id).update(booked_count=F("booked_count") - 1)
