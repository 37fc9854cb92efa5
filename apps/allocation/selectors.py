"""Reads for allocation: who may see which window and request, and a window as a solver problem."""

import datetime as dt
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.allocation import solver
from apps.allocation.models import AllocationRequest, AllocationRun, RequestChoice, RequestWindow
from apps.bookings import rules
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from apps.bookings.selectors import allowance_used, booking_facts_at
from apps.facilities.models import Facility, Slot
from apps.people.models import Prisoner, Visitor
from apps.people.selectors import prisoners_of
from apps.policy.kinds import VisitKind
from apps.policy.selectors import allowance_on

RECENT_DAYS = 90  # "recent periods": family visits in the three months before the window


# --------------------------------------------------------------------------- console


def windows_of(facility: Facility) -> QuerySet[RequestWindow]:
    return RequestWindow.objects.filter(facility=facility).annotate(
        slots_n=Count("slots", distinct=True),
        requests_n=Count("requests", filter=~Q(requests__status="withdrawn"), distinct=True),
    )


def window_of(facility: Facility, window_id: int | str | None) -> RequestWindow | None:
    try:
        pk = int(window_id or "")
    except ValueError:
        return None
    return windows_of(facility).filter(pk=pk).first()


def runs_of(window: RequestWindow) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(window=window).select_related("created_by", "published_by")


def run_of(facility: Facility, run_id: int | str | None) -> AllocationRun | None:
    try:
        pk = int(run_id or "")
    except ValueError:
        return None
    return (
        AllocationRun.objects.filter(pk=pk, window__facility=facility)
        .select_related("window__facility")
        .first()
    )


def window_slots(window: RequestWindow) -> QuerySet[Slot]:
    return window.slots.select_related("facility", "room", "terminal").order_by("starts_at", "pk")


def slots_to_cover(facility: Facility, kind: str, first: dt.date, last: dt.date) -> QuerySet[Slot]:
    """Future slots of a kind in the period that no unpublished window already covers."""
    medium = Q(terminal__isnull=False) if kind == VisitKind.VIDEO else Q(room__isnull=False)
    return (
        Slot.objects.filter(medium, facility=facility, date__range=(first, last))
        .filter(starts_at__gt=timezone.now())
        .exclude(request_windows__status__in=["open", "closed"])
        .order_by("starts_at", "pk")
    )


# --------------------------------------------------------------------------- family


@dataclass(frozen=True)
class OpenWindow:
    window: RequestWindow
    prisoner: Prisoner
    request: AllocationRequest | None  # the family's live request, if it made one


def open_windows_for(visitor: Visitor) -> list[OpenWindow]:
    """Open windows at the prisons of the prisoners this visitor may visit, one line per prisoner."""
    prisoners = list(prisoners_of(visitor.pk))
    windows = RequestWindow.objects.filter(
        status=RequestWindow.Status.OPEN, facility__in={p.facility_id for p in prisoners}
    ).select_related("facility")
    live = {
        (r.window_id, r.prisoner_id): r
        for r in AllocationRequest.objects.filter(
            requested_by=visitor, status=AllocationRequest.Status.PENDING
        )
    }
    return [
        OpenWindow(w, p, live.get((w.pk, p.pk)))
        for w in windows
        for p in prisoners
        if p.facility_id == w.facility_id
    ]


def open_window_for(visitor: Visitor, window_id: int, prisoner_id: int) -> OpenWindow | None:
    return next(
        (
            o
            for o in open_windows_for(visitor)
            if o.window.pk == window_id and o.prisoner.pk == prisoner_id
        ),
        None,
    )


def requests_of(visitor: Visitor) -> QuerySet[AllocationRequest]:
    """Requests the visitor made or is in the party of, newest window first."""
    return (
        AllocationRequest.objects.filter(Q(requested_by=visitor) | Q(party=visitor))
        .exclude(status=AllocationRequest.Status.WITHDRAWN)
        .select_related("window__facility", "prisoner", "booking", "requested_by")
        .prefetch_related(
            Prefetch("choices", RequestChoice.objects.select_related("slot__facility"))
        )
        .distinct()
        .order_by("-window__first_day", "-pk")
    )


def request_of(visitor: Visitor, request_id: int) -> AllocationRequest | None:
    """A request the visitor made; others' requests are not theirs to change."""
    return requests_of(visitor).filter(pk=request_id, requested_by=visitor).first()


# --------------------------------------------------------------------------- the solver's view


@dataclass
class WindowProblem:
    problem: solver.Problem
    requests: dict[int, AllocationRequest]
    # Choices left out because a booking rule refuses them now: request id -> reasons.
    dropped: dict[int, list[str]] = field(default_factory=dict)


def window_problem(window: RequestWindow, seed: int) -> WindowProblem:
    """The pending requests of a closed window as the solver sees them.

    Each choice is put through the booking rules ``booking_create`` applies, so
    the solver only considers seats a booking could actually take; what the
    rules refuse is kept as the reason the choice was left out.
    """
    requests = list(
        AllocationRequest.objects.filter(window=window, status=AllocationRequest.Status.PENDING)
        .select_related("prisoner__facility", "prisoner__level", "requested_by__user")
        .prefetch_related(
            "party",
            Prefetch(
                "choices",
                RequestChoice.objects.select_related(
                    "slot__facility", "slot__room", "slot__terminal", "slot__template"
                ).prefetch_related("slot__template__levels"),
            ),
        )
    )
    seats: dict[int, solver.Seat] = {}
    allowance_left: dict[tuple[int, object], int] = {}
    result = WindowProblem(solver.Problem(seats, [], allowance_left, seed=seed), {})
    for request in requests:
        result.requests[request.pk] = request
        choices = []
        ranked = list(request.choices.all())
        for choice, facts in zip(ranked, _facts(request, ranked, window.kind), strict=True):
            slot = choice.slot
            refused = rules.refusal(
                replace(facts.proposal, slot=slot),
                facts.facts,
                timezone.now(),
                waive={"slot_by_request"},  # the window keeps its times for this very run
            )
            if refused is not None:
                result.dropped.setdefault(request.pk, []).append(refused.messages[0])
                continue
            seats[slot.pk] = solver.Seat(
                slot.pk,
                slot.seats_left,
                slot.starts_at.timestamp(),
                slot.ends_at.timestamp(),
                day=slot.date,
            )
            _day_left(request.prisoner, slot, window.kind, facts.facts, result.problem.day_left)
            period = _period(request.prisoner, window.kind, slot.date, allowance_left)
            choices.append(solver.Choice(slot.pk, period, choice.rank))
        result.problem.requests.append(
            solver.Request(request.pk, request.prisoner_id, tuple(choices))
        )
    result.problem.recent_visits = recent_visits(
        {r.prisoner_id for r in requests}, before=window.first_day, zone=window.facility.zone
    )
    return result


@dataclass(frozen=True)
class _Choice:
    proposal: rules.Proposal
    facts: rules.Facts


def _facts(request: AllocationRequest, ranked: list[RequestChoice], kind: str) -> list[_Choice]:
    """What booking_create would read for each of the request's choices, the party read once."""
    if not ranked:
        return []
    proposal = rules.Proposal(
        request.prisoner,
        ranked[0].slot,
        kind,
        list(request.party.all()),
        booked_by=request.requested_by.user,
    )
    slots = [choice.slot for choice in ranked]
    return [_Choice(proposal, facts) for facts in booking_facts_at(proposal, slots)]


def _day_left(
    prisoner: Prisoner,
    slot: Slot,
    kind: str,
    facts: rules.Facts,
    day_left: dict[tuple[int, object], int],
) -> None:
    """The visits of this kind the prisoner may still have on the slot's date (from the same
    count the per-day rule read), once a date."""
    limit = slot.facility.per_day(kind)
    key = (prisoner.pk, slot.date)
    if limit is not None and key not in day_left:
        day_left[key] = max(limit - facts.slot.same_day, 0)


def _period(
    prisoner: Prisoner, kind: str, day: dt.date, allowance_left: dict[tuple[int, object], int]
) -> object:
    allowance = allowance_on(prisoner, kind, day)
    assert allowance is not None  # windows are for family visits, which always count
    period = (allowance.period, allowance.start.isoformat())
    key = (prisoner.pk, period)
    if key not in allowance_left:
        used = allowance_used(prisoner=prisoner, allowance=allowance)
        allowance_left[key] = max(allowance.limit - used, 0)
    return period


def recent_visits(prisoner_ids: set[int], *, before: dt.date, zone: ZoneInfo) -> dict[int, int]:
    """Family visits each prisoner had or has booked in the RECENT_DAYS before ``before``,
    local dates of the facility's ``zone`` (``starts_at__date`` would be the server's)."""
    since = before - dt.timedelta(days=RECENT_DAYS)
    counted = (*ACTIVE_STATUSES, BookingStatus.COMPLETED, BookingStatus.ENDED_EARLY)
    rows = (
        Booking.objects.filter(
            prisoner_id__in=prisoner_ids,
            status__in=counted,
            starts_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=zone),
            starts_at__lt=dt.datetime.combine(before, dt.time.min, tzinfo=zone),
        )
        .exclude(kind=VisitKind.LEGAL)
        .values("prisoner_id")
        .annotate(n=Count("pk"))
    )
    return {row["prisoner_id"]: row["n"] for row in rows}
