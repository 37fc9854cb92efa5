"""On PostgreSQL the database itself refuses two active visits of one prisoner
that overlap in time (an exclusion constraint). SQLite has no such constraint;
there the booking transaction takes the write lock first (IMMEDIATE), so the
service's overlap check cannot race."""

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'in_progress')"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE bookings_booking ADD CONSTRAINT booking_prisoner_no_overlap "
        "EXCLUDE USING gist (prisoner_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
        f"WHERE (status IN {ACTIVE})"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE bookings_booking DROP CONSTRAINT booking_prisoner_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
