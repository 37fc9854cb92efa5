from django.db.models import Q, QuerySet

from apps.bookings.models import ACTIVE_STATUSES, AllowanceUsage, Booking
from apps.facilities.models import Closure, Slot
from apps.people.models import Prisoner
from apps.policy.selectors import Allowance


def slot_is_closed(slot: Slot) -> bool:
    return Closure.objects.filter(
        Q(slot=slot) | Q(facility_id=slot.facility_id, date=slot.date)
    ).exists()


def overlapping_bookings(*, prisoner: Prisoner, slot: Slot) -> QuerySet[Booking]:
    return Booking.objects.filter(
        prisoner=prisoner,
        status__in=ACTIVE_STATUSES,
        starts_at__lt=slot.ends_at,
        ends_at__gt=slot.starts_at,
    )


def allowance_used(*, prisoner: Prisoner, allowance: Allowance) -> int:
    usage = AllowanceUsage.objects.filter(
        prisoner=prisoner,
        kind=allowance.kind,
        period=allowance.period,
        period_start=allowance.start,
    ).first()
    return usage.used if usage else 0
