"""Writing allocation: booking mode, request windows, families' requests, and runs.

A run never writes a booking itself: publishing calls ``booking_create`` for
each allocated request, so every booking rule and database constraint (seats,
allowance, overlap, party) holds exactly as for a booking made by hand.
"""

import datetime as dt
import secrets
import time
from collections.abc import Sequence
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.allocation import solver
from apps.allocation.explanations import REFUSED_AT_PUBLISH, WITHDRAWN
from apps.allocation.models import (
    AllocationRequest,
    AllocationRun,
    RequestChoice,
    RequestWindow,
    RunOutcome,
)
from apps.allocation.selectors import slots_to_cover, window_problem
from apps.audit.services import audit_record
from apps.bookings import rules
from apps.bookings.selectors import booking_facts_at
from apps.bookings.services import booking_create
from apps.facilities.models import Facility, Slot
from apps.notifications.models import Message
from apps.notifications.render import site_link
from apps.notifications.services import message_queue
from apps.people.models import Prisoner, Visitor
from apps.people.selectors import prisoner_of
from apps.policy.kinds import FAMILY_KINDS, VisitKind

# --------------------------------------------------------------------------- mode and windows


@transaction.atomic
def booking_mode_set(*, actor: User, facility: Facility, mode: str) -> Facility:
    require_staff(actor, facility.pk, "allocation_manage")
    if mode not in Facility.BookingMode.values:
        raise rules.refuse(_("Choose a booking mode."), "mode")
    facility.booking_mode = mode
    facility.save(update_fields=["booking_mode"])
    audit_record(
        actor=actor,
        action="facility.booking_mode",
        target=facility,
        facility_id=facility.pk,
        mode=mode,
    )
    return facility


@transaction.atomic
def window_open(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    first_day: dt.date,
    last_day: dt.date,
    max_choices: int = 3,
) -> RequestWindow:
    """Collect ranked requests for the future slots of one kind in a period."""
    require_staff(actor, facility.pk, "allocation_manage")
    if facility.booking_mode != Facility.BookingMode.REQUESTS:
        raise rules.refuse(
            _("Switch the facility to request windows before opening one."), "mode_first_come"
        )
    if kind not in FAMILY_KINDS:
        raise rules.refuse(_("Choose in-person or video visits."), "kind")
    if last_day < first_day:
        raise rules.refuse(_("The last day must not be before the first day."), "days_order")
    if not 1 <= max_choices <= solver.MAX_CHOICES:
        raise rules.refuse(
            _("A family may rank between 1 and %(limit)d times."),
            "max_choices",
            limit=solver.MAX_CHOICES,
        )
    slots = list(slots_to_cover(facility, kind, first_day, last_day))
    if not slots:
        raise rules.refuse(
            _(
                "There are no future visiting times of this kind in that period that another window does not already cover."
            ),
            "no_slots",
        )
    window = RequestWindow.objects.create(
        facility=facility,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        max_choices=max_choices,
        created_by=actor,
    )
    window.slots.set(slots)
    audit_record(
        actor=actor,
        action="allocation.window_open",
        target=window,
        facility_id=facility.pk,
        kind=kind,
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
        slots=len(slots),
    )
    return window


@transaction.atomic
def window_close(*, actor: User, window: RequestWindow) -> RequestWindow:
    """Stop taking requests; the window can then be previewed and published."""
    require_staff(actor, window.facility_id, "allocation_manage")
    window = RequestWindow.objects.select_for_update().get(pk=window.pk)
    if window.status != RequestWindow.Status.OPEN:
        raise rules.refuse(_("This window is already closed."), "window_not_open")
    window.status = RequestWindow.Status.CLOSED
    window.closed_at = timezone.now()
    window.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor, action="allocation.window_close", target=window, facility_id=window.facility_id
    )
    return window


# --------------------------------------------------------------------------- families' requests


def request_submit(
    *,
    actor: User,
    window_id: int,
    prisoner_id: int,
    slot_ids: Sequence[int],
    visitor_ids: Sequence[int],
) -> AllocationRequest:
    """A family's ranked times (best first) and party for one visit; nothing is booked yet."""
    visitor = Visitor.objects.filter(user=actor).first() if actor.is_authenticated else None
    prisoner = prisoner_of(visitor.pk, prisoner_id) if visitor is not None else None
    if visitor is None or prisoner is None:
        raise PermissionDenied(
            _("You may only ask for visits with a relative you are approved to visit.")
        )
    with transaction.atomic():
        window = RequestWindow.objects.select_for_update().filter(pk=window_id).first()
        if window is None or window.status != RequestWindow.Status.OPEN:
            raise rules.refuse(
                _("This request window is closed: requests can no longer be made or changed."),
                "window_closed",
            )
        slots = _ranked_slots(window, prisoner, slot_ids)
        party = _checked_party(window, prisoner, slots, visitor_ids, actor)
        if (
            AllocationRequest.objects.filter(window=window, prisoner=prisoner, requested_by=visitor)
            .exclude(status=AllocationRequest.Status.WITHDRAWN)
            .exists()
        ):
            raise rules.refuse(
                _(
                    "You already asked for a visit with %(prisoner)s in this window. Withdraw that request to make another."
                ),
                "already_requested",
                prisoner=prisoner.full_name,
            )
        try:
            with transaction.atomic():
                request = AllocationRequest.objects.create(
                    window=window, prisoner=prisoner, requested_by=visitor
                )
        except IntegrityError:
            raise rules.refuse(
                _(
                    "You already asked for a visit with %(prisoner)s in this window. Withdraw that request to make another."
                ),
                "already_requested",
                prisoner=prisoner.full_name,
            ) from None
        request.party.set(party)
        RequestChoice.objects.bulk_create(
            [RequestChoice(request=request, slot=slot, rank=i) for i, slot in enumerate(slots, 1)]
        )
        audit_record(
            actor=actor,
            action="allocation.request_submit",
            target=request,
            facility_id=window.facility_id,
            prisoner=prisoner.pk,
            slots=[s.pk for s in slots],
            visitors=[v.pk for v in party],
        )
    return request


def _ranked_slots(window: RequestWindow, prisoner: Prisoner, slot_ids: Sequence[int]) -> list[Slot]:
    if not slot_ids:
        raise rules.refuse(_("Choose at least one time."), "no_choice")
    if len(slot_ids) > window.max_choices:
        raise rules.refuse(
            _("Choose at most %(limit)d times."), "too_many_choices", limit=window.max_choices
        )
    if len(set(slot_ids)) != len(slot_ids):
        raise rules.refuse(_("Each time can be chosen only once."), "duplicate_choice")
    found = {s.pk: s for s in Slot.objects.filter(pk__in=slot_ids).select_related("facility")}
    covered = set(window.slots.filter(pk__in=slot_ids).values_list("pk", flat=True))
    for slot_id in slot_ids:
        slot = found.get(slot_id)
        if slot is None:
            raise rules.refuse(_("One of the chosen times does not exist."), "unknown_slot")
        if slot.facility_id != window.facility_id:
            raise rules.refuse(_("One of the chosen times is at another prison."), "other_facility")
        if slot.is_video != (window.kind == VisitKind.VIDEO):
            message = (
                _(
                    "This window is for video visits; one of the chosen times is for in-person visits."
                )
                if window.kind == VisitKind.VIDEO
                else _(
                    "This window is for in-person visits; one of the chosen times is for video visits."
                )
            )
            raise rules.refuse(message, "kind_mismatch")
        if slot_id not in covered:
            raise rules.refuse(
                _("One of the chosen times is not part of this request window."), "not_in_window"
            )
    return [found[pk] for pk in slot_ids]


# Rules the run itself decides, against the bookings and the notice of the day it runs:
# a family's request is not refused for them when it ranks its times.
DECIDED_AT_THE_RUN = ("too_far", "slot_by_request", "prisoner_busy", "per_day")


def _checked_party(
    window: RequestWindow,
    prisoner: Prisoner,
    slots: list[Slot],
    visitor_ids: Sequence[int],
    actor: User,
) -> list[Visitor]:
    """The party, put through the booking decision at each chosen time, but for the rules
    the run decides (``DECIDED_AT_THE_RUN``)."""
    wanted = list(dict.fromkeys(visitor_ids))
    found: dict[int, Visitor] = {v.pk: v for v in Visitor.objects.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise rules.refuse(_("One of the chosen visitors is not known."), "unknown_visitor")
    party = [found[pk] for pk in wanted]
    now = timezone.now()
    proposal = rules.Proposal(prisoner, slots[0], window.kind, party, booked_by=actor)
    for slot, facts in zip(slots, booking_facts_at(proposal, slots), strict=True):
        rules.check(replace(proposal, slot=slot), facts, now, waive=DECIDED_AT_THE_RUN)
    return party


@transaction.atomic
def request_withdraw(*, actor: User, request: AllocationRequest) -> AllocationRequest:
    request = (
        AllocationRequest.objects.select_for_update()
        .select_related("window", "requested_by")
        .get(pk=request.pk)
    )
    if request.requested_by.user_id != actor.pk:
        raise PermissionDenied(_("This request is not yours."))
    if request.window.status != RequestWindow.Status.OPEN:
        raise rules.refuse(
            _("This request window is closed: requests can no longer be made or changed."),
            "window_closed",
        )
    if request.status != AllocationRequest.Status.PENDING:
        raise rules.refuse(_("This request was already withdrawn."), "not_pending")
    request.status = AllocationRequest.Status.WITHDRAWN
    request.outcome = WITHDRAWN
    request.withdrawn_at = timezone.now()
    request.save(update_fields=["status", "outcome", "withdrawn_at"])
    audit_record(
        actor=actor,
        action="allocation.request_withdraw",
        target=request,
        facility_id=request.window.facility_id,
    )
    return request


# --------------------------------------------------------------------------- runs


def run_preview(*, actor: User, window: RequestWindow, seed: int | None = None) -> AllocationRun:
    """Solve a closed window and keep the result and its figures; nothing is booked."""
    require_staff(actor, window.facility_id, "allocation_manage")
    seed = secrets.randbelow(2**31) if seed is None else seed
    limit = float(getattr(settings, "ALLOCATION_SOLVER_SECONDS", solver.SOLVER_SECONDS))
    with transaction.atomic():
        # Locked for the whole run: two previews take turns (each supersedes the one
        # before), and once a publish holds the lock no preview can follow it.
        window = RequestWindow.objects.select_for_update().get(pk=window.pk)
        if window.status != RequestWindow.Status.CLOSED:
            raise rules.refuse(
                _("Close the window before running the allocation."), "window_not_closed"
            )
        built = window_problem(window, seed)
        started = time.perf_counter()
        result = solver.allocate(built.problem, seconds=limit)
        seconds = time.perf_counter() - started
        order = sorted(built.requests, key=lambda pk: (built.requests[pk].created_at, pk))
        fcfs = solver.first_come_first_served(built.problem, order)
        AllocationRun.objects.filter(window=window, status=AllocationRun.Status.PREVIEW).update(
            status=AllocationRun.Status.SUPERSEDED
        )
        figures = _figures(built.problem, result, fcfs, seconds, len(built.dropped))
        figures["time_limit_seconds"] = limit
        run = AllocationRun.objects.create(
            window=window,
            seed=seed,
            method=result.method,
            figures=figures,
            created_by=actor,
        )
        RunOutcome.objects.bulk_create(
            [
                RunOutcome(
                    run=run,
                    request_id=request_id,
                    slot_id=result.assigned[request_id],
                    rank=result.rank.get(request_id),
                    code=explanation.code,
                )
                for request_id, explanation in result.explanations.items()
            ]
        )
        audit_record(
            actor=actor,
            action="allocation.run_preview",
            target=run,
            facility_id=window.facility_id,
            seed=seed,
            met=result.met,
        )
    return run


def _figures(
    problem: solver.Problem,
    result: solver.Result,
    fcfs: dict[int, int],
    seconds: float,
    with_dropped: int,
) -> dict[str, object]:
    ranks = list(result.rank.values())
    codes: dict[str, int] = {}
    for explanation in result.explanations.values():
        codes[explanation.code] = codes.get(explanation.code, 0) + 1
    return {
        "requests": len(problem.requests),
        "met": result.met,
        "by_rank": {str(k): ranks.count(k) for k in sorted(set(ranks))},
        "first_choice_share": round(ranks.count(1) / len(ranks), 4) if ranks else 0.0,
        "prisoners": len({r.prisoner for r in problem.requests}),
        "prisoners_without_visit": solver.prisoners_without_visit(problem, result.rank),
        "seats": sum(seat.seats for seat in problem.seats.values()),
        "outcomes": codes,
        "requests_with_choices_left_out": with_dropped,
        "fcfs_met": len(fcfs),
        "fcfs_prisoners_without_visit": solver.prisoners_without_visit(problem, fcfs),
        "seconds": round(seconds, 3),
        # Proven optimal, or the best found in the time limit (CP-SAT only).
        "optimal": result.optimal,
        "solver_status": result.status,
        "met_bound": result.met_bound,
    }


def run_publish(*, actor: User, run: AllocationRun) -> AllocationRun:
    """Book every allocated request through ``booking_create`` and record each outcome.

    A booking the rules refuse now (a closure or restriction since the preview)
    is recorded as not allocated, with the refusal as its reason; the rest are
    booked, and ``booking_create`` queues each family's message in the outbox.
    """
    require_staff(actor, run.window.facility_id, "allocation_manage")
    with transaction.atomic():
        window = RequestWindow.objects.select_for_update().get(pk=run.window_id)
        run = AllocationRun.objects.select_for_update().get(pk=run.pk)
        if (
            run.status != AllocationRun.Status.PREVIEW
            or window.status != RequestWindow.Status.CLOSED
        ):
            raise rules.refuse(
                _("Only the latest preview of a closed window can be published."), "not_publishable"
            )
        # Published first: the booking rules keep a window's seats for its allocation
        # until then, and the whole publish rolls back together if anything fails.
        window.status = RequestWindow.Status.PUBLISHED
        window.save(update_fields=["status"])
        refused = 0
        for outcome in run.outcomes.select_related("request__prisoner").order_by("pk"):
            refused += not _publish_one(actor, window, run, outcome)
        run.status = AllocationRun.Status.PUBLISHED
        run.published_by, run.published_at = actor, timezone.now()
        run.figures = {**run.figures, "refused_at_publish": refused}
        run.save(update_fields=["status", "published_by", "published_at", "figures"])
        audit_record(
            actor=actor,
            action="allocation.run_publish",
            target=run,
            facility_id=window.facility_id,
            refused=refused,
        )
    return run


def _publish_one(
    actor: User, window: RequestWindow, run: AllocationRun, outcome: RunOutcome
) -> bool:
    request = outcome.request
    if request.status != AllocationRequest.Status.PENDING:
        return True
    fields = ["status", "outcome", "outcome_rank", "outcome_detail", "booking"]
    if outcome.slot_id is None:
        request.status = AllocationRequest.Status.NOT_ALLOCATED
        request.outcome = outcome.code
        request.save(update_fields=fields)
        _tell_not_met(request)
        return True
    try:
        with transaction.atomic():
            booking = booking_create(
                actor=actor,
                slot_id=outcome.slot_id,
                prisoner_id=request.prisoner_id,
                visitor_ids=list(request.party.values_list("pk", flat=True)),
                kind=window.kind,
                idempotency_key=f"allocation-{run.pk}-{request.pk}",
            )
    except ValidationError as exc:
        request.status = AllocationRequest.Status.NOT_ALLOCATED
        request.outcome = REFUSED_AT_PUBLISH
        request.outcome_detail = exc.messages[0]
        request.save(update_fields=fields)
        _tell_not_met(request)
        return False
    request.status = AllocationRequest.Status.ALLOCATED
    request.outcome = solver.ALLOCATED
    request.outcome_rank = outcome.rank
    request.booking = booking
    request.save(update_fields=fields)
    return True


def _tell_not_met(request: AllocationRequest) -> None:
    """The family hears that its request was not met, with a link to the reason and the waitlist."""
    message_queue(
        recipient=request.requested_by,
        kind=Message.Kind.REQUEST_NOT_MET,
        prisoner=request.prisoner.full_name,
        link=site_link(reverse("portal:requests")),
    )
