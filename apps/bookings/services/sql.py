"""The SQL statements of the booking path (create.py), on the tables the models name.

Plain SQL where the ORM spent several times the CPU building a statement
that PostgreSQL spends running it, on the path every booking request takes
(measured with bench/booking_rush.py). Every statement reads the same on
PostgreSQL and SQLite, and the test suite runs them on both; the caller
formats the table and column names in from ``TABLES`` and passes every value
as a parameter.
"""

from apps.accounts.models import StaffRole
from apps.bookings.models import AllowanceUsage, Booking
from apps.facilities.models import Closure, SessionTemplate, Slot
from apps.people.models import Contact, PartyConsent, Prisoner, Restriction, Visitor

_WINDOWS = Slot.request_windows.rel
_WINDOW, _WINDOW_SLOTS = _WINDOWS.related_model, _WINDOWS.through
assert _WINDOW is not None and _WINDOW_SLOTS is not None

TABLES = {
    "allowance_usage": AllowanceUsage._meta.db_table,
    "booking": Booking._meta.db_table,
    "levels": SessionTemplate.levels.through._meta.db_table,
    "levels_template": SessionTemplate.levels.field.m2m_column_name(),
    # A time held by a request window: read through the relation the allocation app puts on
    # Slot (``Slot.request_windows``), so this layer names no model above it.
    "windows": _WINDOW._meta.db_table,
    "window_slots": _WINDOW_SLOTS._meta.db_table,
    "window_slots_window": _WINDOWS.field.m2m_column_name(),
    "window_slots_slot": _WINDOWS.field.m2m_reverse_name(),
    "slot": Slot._meta.db_table,
    "visitor": Visitor._meta.db_table,
    "contact": Contact._meta.db_table,
    "party_consent": PartyConsent._meta.db_table,
    "restriction": Restriction._meta.db_table,
    "staff_role": StaffRole._meta.db_table,
    "prisoner": Prisoner._meta.db_table,
    "closure": Closure._meta.db_table,
}


MAY_BOOK = """
SELECT EXISTS (SELECT 1 FROM {contact} c JOIN {visitor} v ON v.id = c.visitor_id
    WHERE c.prisoner_id = %s AND c.status = %s AND v.user_id = %s) AS family,
  EXISTS (SELECT 1 FROM {staff_role} s JOIN {prisoner} p ON p.facility_id = s.facility_id
    WHERE p.id = %s AND s.user_id = %s AND s.role IN ({roles})) AS staff
"""

SLOT_FOR_BOOKING = """
SELECT slot.*,
  (SELECT b.request_fingerprint FROM {booking} b
    WHERE b.created_by_id = %s AND b.idempotency_key = %s) AS replay_fingerprint,
  EXISTS (SELECT 1 FROM {levels} l WHERE l.{levels_template} = slot.template_id) AS has_levels,
  EXISTS (SELECT 1 FROM {windows} w JOIN {window_slots} ws ON ws.{window_slots_window} = w.id
    WHERE ws.{window_slots_slot} = slot.id AND w.status IN ({by_request})) AS by_request,
  EXISTS (SELECT 1 FROM {booking} b WHERE b.prisoner_id = %s AND b.status IN ({active})
    AND b.starts_at < slot.ends_at AND b.ends_at > slot.starts_at) AS busy,
  (SELECT COUNT(*) FROM {booking} b JOIN {slot} day ON day.id = b.slot_id
    WHERE b.prisoner_id = %s AND b.status IN ({active}) AND b.kind = %s
      AND day.date = slot.date) AS same_day
FROM {slot} slot WHERE slot.id = %s
"""

PARTY = """
SELECT v.id, v.user_id, v.full_name, v.date_of_birth, v.phone, v.email, v.preferred_language,
  (SELECT r.user_id FROM {visitor} r WHERE r.id = v.registered_by_id) AS registered_by_user_id,
  EXISTS (SELECT 1 FROM {party_consent} pc JOIN {visitor} h ON h.id = pc.host_id
    WHERE pc.member_id = v.id AND h.user_id = %s) AS agreed_to_join,
  c.id AS contact_id, c.status AS contact_status, c.relationship AS contact_relationship,
  EXISTS (SELECT 1 FROM {restriction} r
    WHERE (r.visitor_id = v.id OR r.contact_id = c.id) AND r.facility_id = slot.facility_id
      AND r.starts_at <= slot.starts_at AND r.ends_at > slot.starts_at) AS restricted
FROM {visitor} v
  LEFT JOIN {contact} c ON c.visitor_id = v.id AND c.prisoner_id = %s
  CROSS JOIN {slot} slot
WHERE slot.id = %s AND v.id IN ({ids})
"""

TAKE_SEAT = """
UPDATE {slot} SET booked_count = booked_count + 1 WHERE id = %s AND booked_count < capacity
"""

CLOSED = """
SELECT EXISTS (SELECT 1 FROM {closure} c JOIN {slot} s ON s.id = %s
  WHERE c.slot_id = s.id OR (c.facility_id = s.facility_id AND c.date = s.date))
"""

# The ORM's upsert cannot add to a column or make its update conditional.
USAGE_TAKE = """
INSERT INTO {allowance_usage} (prisoner_id, kind, period, period_start, used, allowed)
VALUES (%s, %s, %s, %s, 1, %s)
ON CONFLICT (prisoner_id, kind, period, period_start) DO UPDATE
  SET used = {allowance_usage}.used + 1, allowed = excluded.allowed
  WHERE {allowance_usage}.used < excluded.allowed
RETURNING id
"""
