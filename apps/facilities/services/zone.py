"""A facility's time zone, moved with its future times kept at their wall-clock hours."""

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.facilities.models import (
    Facility,
    Slot,
    validate_time_zone,
)


@transaction.atomic
def facility_time_zone_set(*, actor: User | None, facility: Facility, time_zone: str) -> Facility:
    """Move a facility to another time zone, its future times kept at their wall-clock hours.

    Refused while any future seat is taken (a booking or a held waitlist seat): a
    family was told a time, and the change would move it under them. Without
    them, each future slot keeps its date and local hours in the new zone, so
    ``slot.date`` always agrees with its local start. ``actor`` None is the
    server's own command line (manage.py facility_time_zone).
    """
    if actor is not None:
        require_staff(actor, facility.pk, "facility_settings")
    validate_time_zone(time_zone)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if time_zone == facility.time_zone:
        return facility
    future = Slot.objects.filter(facility=facility, ends_at__gt=timezone.now())
    taken = future.filter(booked_count__gt=0).count()
    if taken:
        raise ValidationError(
            ngettext_lazy(
                "%(count)d future visiting time has seats taken. Families were told their times: change the time zone once none are booked.",
                "%(count)d future visiting times have seats taken. Families were told their times: change the time zone once none are booked.",
                "count",
            ),
            code="zone_has_bookings",
            params={"count": taken},
        )
    old, new = facility.zone, ZoneInfo(time_zone)
    slots = list(future)
    for slot in slots:
        slot.starts_at = slot.starts_at.astimezone(old).replace(tzinfo=new)
        slot.ends_at = slot.ends_at.astimezone(old).replace(tzinfo=new)
    Slot.objects.bulk_update(slots, ["starts_at", "ends_at"], batch_size=500)
    before = facility.time_zone
    facility.time_zone = time_zone
    facility.save(update_fields=["time_zone"])
    facility.__dict__.pop("zone", None)  # the cached zone is the old one
    audit_record(
        actor=actor,
        action="facility.time_zone",
        target=facility,
        facility_id=facility.pk,
        before=before,
        after=time_zone,
        slots_moved=len(slots),
    )
    return facility
