-- The booking's locks and writes alone, for pgbench (bench/booking_rush.py): the
-- prisoner's row lock, the conditional seat update (which locks the slot), the
-- allowance, the booking, its visitor, its message and its audit event, then
-- the commit. No reads, no checks (the overlap constraint stands in for the
-- prisoner's busy check): a floor under what any booking must cost, shown
-- beside the full transaction in booking_rush.sql.
\set prisoner random(:first_prisoner, :last_prisoner)
\set visitor :prisoner + :visitor_offset
\set slot random(:first_slot, :last_slot)
\set key random(1, 1000000000000)
BEGIN;
SELECT "id" FROM "people_prisoner" WHERE "id" = :prisoner FOR UPDATE;
WITH taken AS (UPDATE "facilities_slot" SET "booked_count" = ("booked_count" + 1) WHERE ("booked_count" < "capacity" AND "id" = :slot) RETURNING "date", "starts_at", "ends_at") SELECT count(*) AS taken, max("date") AS s_date, max("starts_at") AS s_starts_at, max("ends_at") AS s_ends_at FROM taken \gset
\if :taken = 1
WITH used AS (INSERT INTO bookings_allowanceusage (prisoner_id, kind, period, period_start, used, allowed) VALUES (:prisoner, 'in_person', 'month', date_trunc('month', ':s_date'::date)::date, 1, 4) ON CONFLICT (prisoner_id, kind, period, period_start) DO UPDATE SET used = bookings_allowanceusage.used + 1, allowed = excluded.allowed WHERE bookings_allowanceusage.used < excluded.allowed RETURNING id) SELECT coalesce((SELECT id FROM used), 0) AS usage_id \gset
\if :usage_id > 0
WITH booked AS (INSERT INTO "bookings_booking" ("reference", "facility_id", "slot_id", "prisoner_id", "kind", "status", "starts_at", "ends_at", "allowance_id", "created_by_id", "created_at", "idempotency_key", "request_fingerprint", "status_changed_at", "status_changed_by_id", "status_reason", "allowance_override_reason") VALUES (upper(substr(md5(random()::text), 1, 8)), :facility, :slot, :prisoner, 'in_person', 'booked', ':s_starts_at'::timestamptz, ':s_ends_at'::timestamptz, :usage_id, :actor, now(), 'pgbench-:key', md5(':key') || md5(':slot'), NULL, NULL, '', '') ON CONFLICT DO NOTHING RETURNING "id", "reference") SELECT coalesce((SELECT "id" FROM booked), 0) AS booking_id, coalesce((SELECT "reference" FROM booked), '') AS reference \gset
\if :booking_id > 0
INSERT INTO "bookings_bookingvisitor" ("booking_id", "visitor_id") VALUES (:booking_id, :visitor);
INSERT INTO "notifications_message" ("recipient_id", "booking_id", "kind", "channel", "params", "language", "state", "attempts", "next_attempt_at", "lease_until", "handed_off_at", "last_error", "created_at", "sent_at") VALUES (:visitor, :booking_id, 'booked', 'sms', jsonb_build_object('reference', ':reference'), 'zh-hans', 'pending', 0, NULL, NULL, NULL, '', now(), NULL);
INSERT INTO "audit_auditevent" ("at", "actor_id", "action", "target_type", "target_id", "facility_id", "ip_address", "data") VALUES (now(), :actor, 'booking.create', 'bookings.booking', ':booking_id', :facility, NULL, jsonb_build_object('reference', ':reference', 'slot', :slot, 'prisoner', :prisoner, 'visitors', jsonb_build_array(:visitor), 'kind', 'in_person'));
COMMIT;
\else
ROLLBACK;
\endif
\else
ROLLBACK;
\endif
\else
ROLLBACK;
\endif
