-- One booking attempt as booking_create sends it, for pgbench (bench/booking_rush.py).
-- The same statements in the same order, with the service's column lists (as
-- Django's SQL log shows them); a refusal (slot full, prisoner busy, allowance
-- used) rolls back where the service refuses. The reads of the API layer
-- (token, slot's facility, prisoner by number) are not in it: they are part of
-- what the ratio measures. Defined by the bench: first_prisoner, last_prisoner,
-- visitor_offset, first_slot, last_slot, actor, facility.
\set prisoner random(:first_prisoner, :last_prisoner)
\set visitor :prisoner + :visitor_offset
\set slot random(:first_slot, :last_slot)
\set key random(1, 1000000000000)
BEGIN;
SELECT (EXISTS (SELECT 1 FROM people_contact c JOIN people_visitor v ON v.id = c.visitor_id WHERE c.prisoner_id = :prisoner AND c.status = 'approved' AND v.user_id = :actor) OR EXISTS (SELECT 1 FROM accounts_staffrole s JOIN people_prisoner p ON p.facility_id = s.facility_id WHERE p.id = :prisoner AND s.user_id = :actor))::int AS may_book \gset
SELECT "people_prisoner"."id", "people_prisoner"."facility_id", "people_prisoner"."number", "people_prisoner"."full_name", "people_prisoner"."unit", "people_prisoner"."level_id", "people_prisoner"."legal_status", "people_prisoner"."sentence_start", "people_prisoner"."sentence_end", "people_prisoner"."status", "facilities_facility"."name", "facilities_facility"."code", "facilities_facility"."time_zone", "facilities_facility"."address", "facilities_facility"."min_notice_days", "facilities_facility"."max_notice_days", "facilities_facility"."max_visitors", "facilities_facility"."max_adults", "facilities_facility"."max_children", "facilities_facility"."adult_age", "facilities_facility"."minimum_visits_per_month", "facilities_facility"."remand_in_person_per_week", "facilities_facility"."remand_video_per_week", "facilities_facility"."video_visits_recorded", "facilities_facility"."visits_supervised", "facilities_facility"."recording_retention_days", "facilities_facility"."video_join_opens_minutes", "facilities_facility"."video_refund_after_minutes", "facilities_facility"."what_to_bring", "facilities_facility"."booking_mode", "policy_level"."code" AS level_code, "policy_level"."name" AS level_name, "policy_level"."rank", "policy_level"."in_person_per_month", "policy_level"."video_per_month", "policy_level"."in_person_minutes", "policy_level"."video_minutes", "policy_level"."max_visitors" AS level_max_visitors FROM "people_prisoner" INNER JOIN "facilities_facility" ON ("people_prisoner"."facility_id" = "facilities_facility"."id") INNER JOIN "policy_level" ON ("people_prisoner"."level_id" = "policy_level"."id") WHERE "people_prisoner"."id" = :prisoner LIMIT 1 FOR UPDATE OF "people_prisoner" \gset p_
SELECT slot.*, coalesce((SELECT b.request_fingerprint FROM bookings_booking b WHERE b.created_by_id = :actor AND b.idempotency_key = 'pgbench-:key'), '') AS replay_fingerprint, EXISTS (SELECT 1 FROM facilities_sessiontemplate_levels l WHERE l.sessiontemplate_id = slot.template_id)::int AS has_levels, EXISTS (SELECT 1 FROM allocation_requestwindow w JOIN allocation_requestwindow_slots ws ON ws.requestwindow_id = w.id WHERE ws.slot_id = slot.id AND w.status IN ('open', 'closed'))::int AS by_request, EXISTS (SELECT 1 FROM bookings_booking b WHERE b.prisoner_id = :prisoner AND b.status IN ('booked', 'checked_in', 'in_progress') AND b.starts_at < slot.ends_at AND b.ends_at > slot.starts_at)::int AS busy FROM facilities_slot slot WHERE slot.id = :slot \gset s_
\if :s_booked_count < :s_capacity
SELECT v.id, v.user_id, v.full_name, v.date_of_birth, v.phone, v.email, v.preferred_language, c.id AS contact_id, c.status AS contact_status, c.relationship AS contact_relationship, EXISTS (SELECT 1 FROM people_restriction r WHERE (r.visitor_id = v.id OR r.contact_id = c.id) AND r.facility_id = slot.facility_id AND r.starts_at <= slot.starts_at AND r.ends_at > slot.starts_at)::int AS restricted FROM people_visitor v LEFT JOIN people_contact c ON c.visitor_id = v.id AND c.prisoner_id = :prisoner CROSS JOIN facilities_slot slot WHERE slot.id = :slot AND v.id IN (:visitor) \gset c_
\if :s_busy = 0
SELECT "policy_stagerule"."id", "policy_stagerule"."facility_id", "policy_stagerule"."stage", "policy_stagerule"."months", "policy_stagerule"."extra_in_person", "policy_stagerule"."extra_video" FROM "policy_stagerule" WHERE "policy_stagerule"."facility_id" = :facility;
WITH taken AS (UPDATE facilities_slot SET booked_count = booked_count + 1 WHERE id = :slot AND booked_count < capacity RETURNING 1) SELECT count(*) AS taken FROM taken \gset
SELECT EXISTS (SELECT 1 FROM facilities_closure c JOIN facilities_slot s ON s.id = :slot WHERE c.slot_id = s.id OR (c.facility_id = s.facility_id AND c.date = s.date));
WITH used AS (INSERT INTO bookings_allowanceusage (prisoner_id, kind, period, period_start, used, allowed) VALUES (:prisoner, 'in_person', 'month', date_trunc('month', ':s_date'::date)::date, 1, :p_in_person_per_month) ON CONFLICT (prisoner_id, kind, period, period_start) DO UPDATE SET used = bookings_allowanceusage.used + 1, allowed = excluded.allowed WHERE bookings_allowanceusage.used < excluded.allowed RETURNING id) SELECT coalesce((SELECT id FROM used), 0) AS usage_id \gset
\if :taken = 1 and :usage_id > 0
INSERT INTO "bookings_booking" ("reference", "facility_id", "slot_id", "prisoner_id", "kind", "status", "starts_at", "ends_at", "allowance_id", "created_by_id", "created_at", "idempotency_key", "request_fingerprint", "status_changed_at", "status_changed_by_id", "status_reason", "allowance_override_reason") VALUES (upper(substr(md5(random()::text), 1, 8)), :facility, :slot, :prisoner, 'in_person', 'booked', ':s_starts_at'::timestamptz, ':s_ends_at'::timestamptz, :usage_id, :actor, now(), 'pgbench-:key', md5(':key') || md5(':slot'), NULL, NULL, '', '') RETURNING "bookings_booking"."id" AS booking_id, "bookings_booking"."reference" AS reference \gset
INSERT INTO "bookings_bookingvisitor" ("booking_id", "visitor_id") VALUES (:booking_id, :visitor) RETURNING "bookings_bookingvisitor"."id";
INSERT INTO "notifications_message" ("recipient_id", "booking_id", "kind", "channel", "params", "language", "state", "attempts", "next_attempt_at", "lease_until", "handed_off_at", "last_error", "created_at", "sent_at") VALUES (:visitor, :booking_id, 'booked', 'sms', jsonb_build_object('reference', ':reference'), 'zh-hans', 'pending', 0, NULL, NULL, NULL, '', now(), NULL) RETURNING "notifications_message"."id" AS message_id \gset
INSERT INTO "audit_auditevent" ("at", "actor_id", "action", "target_type", "target_id", "facility_id", "ip_address", "data") VALUES (now(), :actor, 'booking.create', 'bookings.booking', ':booking_id', :facility, NULL, jsonb_build_object('reference', ':reference', 'slot', :slot, 'prisoner', :prisoner, 'visitors', jsonb_build_array(:visitor), 'kind', 'in_person')) RETURNING "audit_auditevent"."id";
COMMIT;
-- The message's send task, queued once the booking has committed.
INSERT INTO "django_tasks_database_dbtaskresult" ("id", "status", "enqueued_at", "started_at", "finished_at", "args_kwargs", "priority", "task_path", "worker_ids", "queue_name", "backend_name", "run_after", "return_value", "exception_class_path", "traceback") VALUES (gen_random_uuid(), 'READY', now(), NULL, NULL, jsonb_build_object('args', jsonb_build_array(:message_id), 'kwargs', '{}'::jsonb), 0, 'apps.notifications.tasks.message_send_task', '[]'::jsonb, 'default', 'default', '9999-01-01 00:00:00+00:00'::timestamptz, NULL, '', '');
\else
ROLLBACK;
\endif
\else
ROLLBACK;
\endif
\else
ROLLBACK;
\endif
