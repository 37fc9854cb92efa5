import datetime as dt
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.facilities.models import Facility
from apps.people.models import Contact, PartyConsent, Prisoner, Restriction, Visitor


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
    *,
    prisoner_id: int,
    facility: Facility,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> QuerySet[Contact]:
    """Approved adult family contacts of a prisoner with no ban overlapping a span of time.

    Adults only: a child cannot come without one, so children alone keep no contact.
    Adult on the span's first day in the facility's zone, counted as ``Visitor.age_on``
    counts (born on 29 February: a year older on 1 March in other years).
    """
    first_day = max(starts_at, timezone.now()).astimezone(facility.zone).date()
    # relativedelta takes 29 February back to the 28th, as age_on's comparison does.
    adult_born_by = first_day - relativedelta(years=facility.adult_age)
    overlapping_bans = Restriction.objects.filter(
        facility_id=facility.pk,
        kind=Restriction.Kind.BAN,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    return (
        Contact.objects.filter(
            prisoner_id=prisoner_id,
            status=Contact.Status.APPROVED,
            visitor__date_of_birth__lte=adult_born_by,
        )
        .exclude(relationship="legal")
        .exclude(pk__in=overlapping_bans.filter(contact__isnull=False).values("contact_id"))
        .exclude(visitor_id__in=overlapping_bans.filter(visitor__isnull=False).values("visitor_id"))
    )


def prisoners_of(visitor_id: int) -> QuerySet[Prisoner]:
    """Prisoners this visitor is an approved family contact of, in custody."""
    return (
        Prisoner.objects.filter(
            contacts__visitor_id=visitor_id,
            contacts__status=Contact.Status.APPROVED,
            status=Prisoner.Status.IN_CUSTODY,
        )
        .exclude(contacts__relationship="legal", contacts__visitor_id=visitor_id)
        .select_related("facility", "level")
        .order_by("full_name")
    )


def prisoner_of(visitor_id: int, prisoner_id: int) -> Prisoner | None:
    return prisoners_of(visitor_id).filter(pk=prisoner_id).first()


def contacts_of(visitor_id: int) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(visitor_id=visitor_id)
        .select_related("prisoner__facility")
        .order_by("-created_at")
    )


def party_choices(prisoner_id: int, *, of: Visitor | None = None) -> QuerySet[Visitor]:
    """Who may come to a family visit: the prisoner's approved family contacts; for a family
    (``of``), only itself, the people it registered and those who agreed to come with it,
    never another family's names."""
    choices = Visitor.objects.filter(
        contacts__prisoner_id=prisoner_id, contacts__status=Contact.Status.APPROVED
    ).exclude(contacts__relationship="legal", contacts__prisoner_id=prisoner_id)
    if of is not None:
        choices = choices.filter(Q(pk=of.pk) | Q(registered_by=of) | Q(party_hosts__host=of))
    return choices.distinct().order_by("full_name")


def roster(
    *,
    facility_id: int,
    query: str = "",
    unit: str = "",
    level_id: int | None = None,
    status: str = "",
) -> QuerySet[Prisoner]:
    """A facility's prisoners by number, searched by number or name and filtered."""
    prisoners = Prisoner.objects.filter(facility_id=facility_id).select_related("level")
    if query.strip():
        query = query.strip()
        prisoners = prisoners.filter(Q(number__icontains=query) | Q(full_name__icontains=query))
    if unit:
        prisoners = prisoners.filter(unit=unit)
    if level_id is not None:
        prisoners = prisoners.filter(level_id=level_id)
    if status:
        prisoners = prisoners.filter(status=status)
    return prisoners.order_by("number")


def roster_units(facility_id: int) -> list[str]:
    return list(
        Prisoner.objects.filter(facility_id=facility_id)
        .exclude(unit="")
        .order_by("unit")
        .values_list("unit", flat=True)
        .distinct()
    )


def prisoner_at(*, facility_id: int, prisoner_id: int) -> Prisoner | None:
    """A prisoner of this facility by id; None for anyone else's."""
    return (
        Prisoner.objects.filter(facility_id=facility_id, pk=prisoner_id)
        .select_related("facility", "level")
        .first()
    )


def contacts_of_prisoner(prisoner_id: int) -> QuerySet[Contact]:
    """The prisoner's approved and pending contacts, approved first."""
    return (
        Contact.objects.filter(
            prisoner_id=prisoner_id, status__in=(Contact.Status.APPROVED, Contact.Status.PENDING)
        )
        .select_related("visitor")
        .order_by("status", "visitor__full_name")
    )


def party_consents_of(member: Visitor) -> QuerySet[PartyConsent]:
    """The families this visitor agreed to come with (shown back by masked number only)."""
    return (
        PartyConsent.objects.filter(member=member)
        .select_related("host__user")
        .order_by("agreed_at")
    )
