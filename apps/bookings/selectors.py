"""Reads about bookings: the rules' lookups, a family's visits, and what a family can still book."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from apps.accounts.models import User
from apps.bookings.models import ACTIVE_STATUSES, AllowanceUsage, Booking, BookingStatus
from apps.bookings.rules import BY_REQUEST_STATUSES, Facts, PartyFacts, Proposal, SlotFacts
from apps.facilities.models import Closure, Facility, Room, SessionTemplate, Slot
from apps.people.models import Contact, PartyConsent, Prisoner, Restriction, Visitor
from apps.people.selectors import restrictions_in_force
from apps.policy.kinds import VisitKind
from apps.policy.selectors import Allowance, allowance_on


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


def same_day_bookings(*, prisoner: Prisoner, slot: Slot, kind: str) -> QuerySet[Booking]:
    """The prisoner's active bookings of a kind on the slot's local date."""
    return Booking.objects.filter(
        prisoner=prisoner, status__in=ACTIVE_STATUSES, kind=kind, slot__date=slot.date
    )


def level_allows(slot: Slot, prisoner: Prisoner) -> bool:
    """Whether the slot's levels take the prisoner's (a slot that names none takes every level)."""
    return (
        SessionTemplate.objects.filter(pk=slot.template_id)
        .filter(Q(levels=None) | Q(levels=prisoner.level_id))
        .exists()
    )


def restrictions_on(
    slot: Slot, visitors: Sequence[Visitor], contacts: Sequence[Contact]
) -> list[Restriction]:
    """The restrictions in force at the slot's time on these visitors or their contacts."""
    return list(
        restrictions_in_force(
            facility_id=slot.facility_id,
            visitor_ids=[v.pk for v in visitors],
            contact_ids=[c.pk for c in contacts],
            at=slot.starts_at,
        ).select_related("visitor", "contact__visitor")
    )


def bringable_by(user: User, visitors: Sequence[Visitor]) -> set[int]:
    """Which of ``visitors`` the family signed in as ``user`` may bring: itself, the people it
    registered and those who agreed to come with it."""
    ids = [v.pk for v in visitors]
    return set(
        Visitor.objects.filter(pk__in=ids)
        .filter(
            Q(user=user)
            | Q(registered_by__user=user)
            | Q(pk__in=PartyConsent.objects.filter(host__user=user).values("member_id"))
        )
        .values_list("pk", flat=True)
    )


def slot_facts(proposal: Proposal) -> SlotFacts:
    slot, prisoner = proposal.slot, proposal.prisoner
    return SlotFacts(
        closed=slot_is_closed(slot),
        level_allowed=level_allows(slot, prisoner),
        by_request=slot.request_windows.filter(status__in=BY_REQUEST_STATUSES).exists(),
        busy=overlapping_bookings(prisoner=prisoner, slot=slot).exists(),
        same_day=same_day_bookings(prisoner=prisoner, slot=slot, kind=proposal.kind).count(),
    )


def booking_facts(proposal: Proposal) -> Facts:
    """Everything the booking rules read about ``proposal``, in the ORM's queries.

    booking_create reads the same facts in a few plain statements instead (the rush's path).
    """
    return booking_facts_at(proposal, [proposal.slot])[0]


def booking_facts_at(proposal: Proposal, slots: Sequence[Slot]) -> list[Facts]:
    """The facts of ``proposal`` at each of ``slots`` (a family's ranked times): the party's
    contacts and whom the booker may bring are read once, the rest for each time."""
    visitors, booked_by = proposal.visitors, proposal.booked_by
    contacts = list(Contact.objects.filter(prisoner=proposal.prisoner, visitor__in=visitors))
    bringable = None if booked_by is None else bringable_by(booked_by, visitors)
    return [
        Facts(
            slot=slot_facts(replace(proposal, slot=slot)),
            party=PartyFacts(contacts, restrictions_on(slot, visitors, contacts), bringable),
        )
        for slot in slots
    ]


def allowance_used(*, prisoner: Prisoner, allowance: Allowance) -> int:
    usage = AllowanceUsage.objects.filter(
        prisoner=prisoner,
        kind=allowance.kind,
        period=allowance.period,
        period_start=allowance.start,
    ).first()
    return usage.used if usage else 0


@dataclass(frozen=True)
class AllowanceLeft:
    allowance: Allowance
    used: int

    @property
    def left(self) -> int:
        return max(self.allowance.limit - self.used, 0)


def allowance_left(*, prisoner: Prisoner, kind: str, day: dt.date) -> AllowanceLeft | None:
    allowance = allowance_on(prisoner, kind, day)
    if allowance is None:
        return None
    return AllowanceLeft(allowance, allowance_used(prisoner=prisoner, allowance=allowance))


def visits_of(visitor: Visitor) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(party__visitor=visitor)
        .select_related("facility", "prisoner", "slot__room", "slot__terminal")
        .prefetch_related("visitors")
        .distinct()
    )


def visit_of(visitor: Visitor, reference: str) -> Booking | None:
    """A booking the visitor is part of, by its reference; None for anyone else's."""
    return visits_of(visitor).filter(reference=reference).first()


def bookable_dates(facility: Facility) -> tuple[dt.date, dt.date]:
    """The first and last dates open for booking now (the cut-off counted)."""
    now = timezone.now()
    return (
        facility.first_bookable_day(now),
        facility.local_today(now) + dt.timedelta(days=facility.max_notice_days),
    )


def _kind_filter(kind: str) -> Q:
    return Q(terminal__isnull=False) if kind == VisitKind.VIDEO else Q(room__isnull=False)


def open_days(*, prisoner: Prisoner, kind: str) -> dict[dt.date, int]:
    """Places still free per date of the booking window, closures left out."""
    facility = prisoner.facility
    first, last = bookable_dates(facility)
    closed_dates = Closure.objects.filter(facility=facility, date__range=(first, last)).values(
        "date"
    )
    closed_slots = Closure.objects.filter(
        facility=facility, slot__date__range=(first, last)
    ).values("slot_id")
    rows = (
        Slot.objects.filter(
            _kind_filter(kind),
            facility=facility,
            date__range=(first, last),
            starts_at__gt=timezone.now(),
        )
        .exclude(Q(date__in=closed_dates) | Q(pk__in=closed_slots))
        .filter(Q(template__levels__isnull=True) | Q(template__levels=prisoner.level_id))
        .values("date", "capacity", "booked_count", "pk")
        .distinct()
    )
    days: dict[dt.date, int] = {}
    for row in rows:
        days[row["date"]] = days.get(row["date"], 0) + max(row["capacity"] - row["booked_count"], 0)
    return days


@dataclass
class SlotOption:
    """One visiting time as a family sees it: free places, and why it cannot be booked if not."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    slots: list[Slot] = field(default_factory=list)  # the open ones
    closed: int = 0
    reason: StrOrPromise = ""

    @property
    def free(self) -> int:
        return sum(s.seats_left for s in self.slots)

    @property
    def slot_to_book(self) -> Slot | None:
        return next((s for s in self.slots if s.seats_left > 0), None)


def slot_options(
    *,
    prisoner: Prisoner,
    kind: str,
    day: dt.date,
    visitor: Visitor | None = None,
    count_allowance: bool = True,
) -> list[SlotOption]:
    """The times of one date, grouped as a family chooses them, each with the reason it is shut.

    This is a fast preview built from a handful of queries; booking_create
    remains the authority and re-checks every rule when the family confirms.
    Staff booking on a family's behalf choose the time before the party, so
    they pass no visitor (restrictions are then left to booking_create), and
    may leave the allowance out because a supervisor can go past it.
    """
    facility = prisoner.facility
    first, last = bookable_dates(facility)
    if not first <= day <= last:
        return []
    slots = list(
        Slot.objects.filter(_kind_filter(kind), facility=facility, date=day)
        .select_related("room", "terminal", "facility")
        .prefetch_related("template__levels")
        .annotate(closures_n=Count("closures"))
        .order_by("starts_at", "room__name", "terminal__name")
    )
    day_closed = Closure.objects.filter(facility=facility, date=day).exists()
    busy = list(
        Booking.objects.filter(
            prisoner=prisoner,
            status__in=ACTIVE_STATUSES,
            starts_at__date__gte=day - dt.timedelta(days=1),
        )
        .filter(starts_at__date__lte=day + dt.timedelta(days=1))
        .values_list("starts_at", "ends_at")
    )
    shut = _restricted(visitor, prisoner, facility, day) if visitor is not None else set()
    left = allowance_left(prisoner=prisoner, kind=kind, day=day) if count_allowance else None
    options: dict[tuple, SlotOption] = {}
    for slot in slots:
        # Video times are chosen by time, not by terminal; rooms stay apart
        # because a closed room and an open room are not the same visit.
        place = str(_("Video visit")) if slot.is_video else str(slot.room)
        option = options.setdefault(
            (slot.starts_at, slot.ends_at, place), SlotOption(slot.starts_at, slot.ends_at, place)
        )
        if slot.closures_n:
            option.closed += 1
        else:
            option.slots.append(slot)
    for option in options.values():
        option.reason = _option_reason(option, prisoner, day_closed, busy, shut, left)
    return list(options.values())


def _restricted(visitor: Visitor, prisoner: Prisoner, facility: Facility, day: dt.date) -> set[str]:
    at = dt.datetime.combine(day, dt.time(12), tzinfo=facility.zone)
    contact_ids = visitor.contacts.filter(prisoner=prisoner).values_list("pk", flat=True)
    return set(
        restrictions_in_force(
            facility_id=facility.pk, visitor_ids=[visitor.pk], contact_ids=contact_ids, at=at
        ).values_list("kind", flat=True)
    )


def _option_reason(
    option: SlotOption,
    prisoner: Prisoner,
    day_closed: bool,
    busy: list[tuple[dt.datetime, dt.datetime]],
    shut: set[str],
    left: AllowanceLeft | None,
) -> StrOrPromise:
    if option.starts_at <= timezone.now():
        return _("This time has already passed.")
    if day_closed or not option.slots:
        return _("The facility has closed this time.")
    slot = option.slots[0]
    levels = {level.pk for level in slot.template.levels.all()}
    if levels and prisoner.level_id not in levels:
        return _("Not open to this prisoner's level.")
    if Restriction.Kind.BAN in shut:
        return _("You may not visit on this date.")
    if Restriction.Kind.NO_VIDEO in shut and slot.is_video:
        return _("You may not have video visits on this date.")
    if Restriction.Kind.CLOSED_ONLY in shut and slot.room and not slot.room.is_closed:
        return _("Only closed visits are open to you on this date.")
    if any(start < option.ends_at and end > option.starts_at for start, end in busy):
        return _("There is already a visit at this time.")
    if left is not None and left.left == 0:
        return _("No visits of this kind are left in this period.")
    if option.free == 0:
        return _("Full.")
    return ""


# The staff console: the visit hall's day and booking on a family's behalf.


@dataclass(frozen=True)
class HallVisitor:
    visitor: Visitor
    age: int


@dataclass
class HallVisit:
    booking: Booking
    party: list[HallVisitor]

    @property
    def has_started(self) -> bool:
        return self.booking.starts_at <= timezone.now()


@dataclass
class HallSession:
    """One visiting time in one room, and the visits booked into it."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    room: Room
    visits: list[HallVisit] = field(default_factory=list)


def hall_day(*, facility: Facility, day: dt.date) -> list[HallSession]:
    """A facility's in-person visits of one date by time and room, in three queries."""
    bookings = (
        Booking.objects.filter(facility=facility, slot__date=day, slot__room__isnull=False)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("prisoner", "slot__room")
        .prefetch_related(
            Prefetch("visitors", queryset=Visitor.objects.order_by("date_of_birth", "pk"))
        )
        .order_by("starts_at", "slot__room__name", "prisoner__number")
    )
    sessions: dict[tuple[dt.datetime, dt.datetime, int], HallSession] = {}
    for booking in bookings:
        room = booking.slot.room
        assert room is not None  # filtered above
        session = sessions.setdefault(
            (booking.starts_at, booking.ends_at, room.pk),
            HallSession(booking.starts_at, booking.ends_at, room),
        )
        party = [HallVisitor(v, v.age_on(day)) for v in booking.visitors.all()]
        session.visits.append(HallVisit(booking, party))
    return list(sessions.values())


def hall_visit(*, facility: Facility, reference: str) -> Booking | None:
    """An in-person visit of this facility by its reference; None for anyone else's."""
    return (
        Booking.objects.filter(facility=facility, reference=reference, slot__room__isnull=False)
        .select_related("facility", "prisoner", "slot__room")
        .first()
    )


def bookable_prisoners(*, facility: Facility, query: str, limit: int = 25) -> QuerySet[Prisoner]:
    """Prisoners in custody here whose number starts with, or whose name holds, the query."""
    query = query.strip()
    if not query:
        return Prisoner.objects.none()
    return (
        Prisoner.objects.filter(facility=facility, status=Prisoner.Status.IN_CUSTODY)
        .filter(Q(number__istartswith=query) | Q(full_name__icontains=query))
        .select_related("level")
        .order_by("number")[:limit]
    )


def bookable_prisoner(*, facility: Facility, prisoner_id: int) -> Prisoner | None:
    return (
        Prisoner.objects.filter(
            pk=prisoner_id, facility=facility, status=Prisoner.Status.IN_CUSTODY
        )
        .select_related("facility", "level")
        .first()
    )


def facility_booking(*, facility: Facility, reference: str) -> Booking | None:
    return (
        Booking.objects.filter(facility=facility, reference=reference)
        .select_related("facility", "prisoner", "slot__room", "slot__terminal")
        .prefetch_related("visitors")
        .first()
    )


# --------------------------------------------------------------------------- what a change of
# schedule, custody or contact would cancel, shown before it is confirmed


def upcoming_bookings_of(prisoner_id: int) -> QuerySet[Booking]:
    """The prisoner's visits that still hold a seat and have not ended, soonest first."""
    return (
        Booking.objects.filter(
            prisoner_id=prisoner_id, status__in=ACTIVE_STATUSES, ends_at__gt=timezone.now()
        )
        .select_related("slot__room", "slot__terminal")
        .prefetch_related("visitors")
        .order_by("starts_at")
    )


def bookings_to_cancel(
    *, prisoner_ids: Iterable[int], visitor_id: int | None = None
) -> QuerySet[Booking]:
    """Booked visits still to come: what a transfer or a release cancels, or, for one
    visitor, what a suspension of their contact cancels."""
    upcoming = Booking.objects.filter(
        prisoner_id__in=list(prisoner_ids),
        status=BookingStatus.BOOKED,
        starts_at__gt=timezone.now(),
    )
    if visitor_id is not None:
        upcoming = upcoming.filter(party__visitor_id=visitor_id).distinct()
    return upcoming.order_by("starts_at", "pk")


@dataclass
class ClosurePreview:
    """What a closure would do, shown before it is confirmed."""

    date: dt.date
    slot: Slot | None
    bookings: list[Booking]
    already: list[Closure]  # closures that already cover this date or slot


def closure_preview(
    facility: Facility, *, date: dt.date | None = None, slot: Slot | None = None
) -> ClosurePreview:
    """The bookings closure_create would cancel for this date or slot (the same selection)."""
    day = slot.date if slot is not None else date
    assert day is not None
    hit = Booking.objects.filter(status=BookingStatus.BOOKED, facility=facility, slot__date=day)
    already = Closure.objects.filter(facility=facility, date=day)
    if slot is not None:
        hit = hit.filter(slot=slot)
        already = already | Closure.objects.filter(slot=slot)
    bookings = list(
        hit.select_related("prisoner", "slot__room", "slot__terminal", "slot__facility").order_by(
            "starts_at", "pk"
        )
    )
    return ClosurePreview(day, slot, bookings, list(already.order_by("pk")))


def bookings_cut_by(slot: Slot, capacity: int) -> list[Booking]:
    """The bookings a cut of ``slot`` to ``capacity`` cancels: the most recently made first.

    Only booked visits can be cancelled; visitors already checked in stay.
    """
    excess = slot.booked_count - capacity
    if excess <= 0:
        return []
    return list(
        Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED)
        .select_related("prisoner")
        .order_by("-created_at", "-pk")[:excess]
    )


@dataclass
class RetirePreview:
    """What retiring a template after ``last_day`` would do."""

    last_day: dt.date
    bookings: list[Booking]
    slots_closed: int  # kept for the record (bookings or closures refer to them), closed
    slots_deleted: int  # empty, deleted


def retire_preview(template: SessionTemplate, last_day: dt.date) -> RetirePreview:
    later = Slot.objects.filter(template=template, date__gt=last_day)
    bookings = list(
        Booking.objects.filter(slot__in=later, status=BookingStatus.BOOKED)
        .select_related("prisoner")
        .order_by("starts_at", "pk")
    )
    kept = later.filter(Q(bookings__isnull=False) | Q(closures__isnull=False)).distinct().count()
    return RetirePreview(last_day, bookings, kept, later.count() - kept)
