import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from apps.people.models import Contact, Restriction


def restrictions_in_force(
    *, facility_id: int, visitor_ids: Iterable[int], contact_ids: Iterable[int], at: dt.datetime
) -> QuerySet[Restriction]:
    """Restrictions at a facility on any of these visitors or contacts at a moment."""
    return Restriction.objects.filter(
        Q(visitor_id__in=list(visitor_ids)) | Q(contact_id__in=list(contact_ids)),
        facility_id=facility_id,
        starts_at__lte=at,
        ends_at__gt=at,
    )


def family_contacts_free_of_bans(
    *, prisoner_id: int, facility_id: int, starts_at: dt.datetime, ends_at: dt.datetime
) -> QuerySet[Contact]:
    """Approved family contacts of a prisoner with no ban overlapping a span of time."""
    overlapping_bans = Restriction.objects.filter(
        facility_id=facility_id,
        kind=Restriction.Kind.BAN,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    return (
        Contact.objects.filter(prisoner_id=prisoner_id, status=Contact.Status.APPROVED)
        .exclude(relationship="legal")
        .exclude(pk__in=overlapping_bans.filter(contact__isnull=False).values("contact_id"))
        .exclude(visitor_id__in=overlapping_bans.filter(visitor__isnull=False).values("visitor_id"))
    )
