"""Booking a seat: booking_create and the reads, checks and writes behind it."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import StaffRole, User
from apps.accounts.permissions import ACTIONS, require_staff
from apps.audit.services import audit_record
from apps.bookings import rules
from apps.bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingVisitor,
)
from apps.bookings.selectors import level_allows, restrictions_on
from apps.bookings.services import sql
from apps.bookings.services.seats import seat_take
from apps.facilities.models import Slot
from apps.notifications.models import Message
from apps.notifications.services import messages_for_booking
from apps.people.models import Contact, Prisoner, Visitor
from apps.policy.kinds import VisitKind
from apps.policy.selectors import Allowance, allowance_on
from lib.references import new_reference


def booking_create(
    *,
    actor: User,
    slot_id: int,
    prisoner_id: int,
    visitor_ids: Sequence[int],
    kind: str,
    idempotency_key: str,
    allowance_override_reason: str = "",
) -> Booking:
    """Book a seat for a prisoner and some visitors, or refuse with the reason.

    As booking_create_or_replay, for callers that need not tell a replay apart.
    """
    booking, _replayed = booking_create_or_replay(
        actor=actor,
        slot_id=slot_id,
        prisoner_id=prisoner_id,
        visitor_ids=visitor_ids,
        kind=kind,
        idempotency_key=idempotency_key,
        allowance_override_reason=allowance_override_reason,
    )
    return booking


def booking_create_or_replay(
    *,
    actor: User,
    slot_id: int,
    prisoner_id: int,
    visitor_ids: Sequence[int],
    kind: str,
    idempotency_key: str,
    allowance_override_reason: str = "",
) -> tuple[Booking, bool]:
    """Book a seat for a prisoner and some visitors, or refuse with the reason.

    Returns the booking and whether it is a replay: retrying with the same
    idempotency key returns the first booking (and True) and books nothing
    twice. Invariants are held by the database as well: the slot's
    seat count and the allowance counter are check constraints, and on
    PostgreSQL an exclusion constraint forbids overlapping visits.

    A supervisor or administrator may go past a used-up allowance by writing
    why (``allowance_override_reason``); every other rule still applies, and
    the allowance counter is left alone so it never reads more than allowed.
    """
    if not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to book a visit."))
    if not idempotency_key or len(idempotency_key) > 128:
        raise ValidationError(
            _("A booking request needs a key of 1 to 128 characters."), code="idempotency_key"
        )
    override = allowance_override_reason.strip()
    if allowance_override_reason and not override:
        raise ValidationError(
            _("Write why this visit may go past the allowance."), code="override_reason_required"
        )
    asked = _Asked(
        actor, slot_id, prisoner_id, list(dict.fromkeys(visitor_ids)), kind, idempotency_key
    )
    fingerprint = _fingerprint(slot_id, prisoner_id, visitor_ids, kind)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _book(asked, fingerprint, override)
        except IntegrityError:
            # A retry that raced its own first attempt: the first one won.
            replay = _replay(actor, idempotency_key, fingerprint)
            if replay is not None:
                return replay, True
            # Otherwise a new reference that happened to be taken: draw again, once.
            if attempt:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Asked:
    """What was asked for (not an HTTP request: booking_create has none)."""

    actor: User
    slot_id: int
    prisoner_id: int
    visitor_ids: list[int]  # without repeats, in the order given
    kind: str
    key: str


def _book(asked: _Asked, fingerprint: str, override: str) -> tuple[Booking, bool]:
    """Every read and check first, then the slot's row lock for the writes (_record).

    The rush for seats queues on the slot's row lock, so it is taken last and
    held only for the writes and the commit. The lock order stays prisoner,
    then slot, then the allowance row, as for closures and cancellations, so
    that no two writers deadlock.
    """
    actor, kind = asked.actor, asked.kind
    # Locking the prisoner serialises every booking for them, so the overlap
    # and allowance checks below read a state nobody else can change.
    prisoner, by_staff = _locked_prisoner(asked)
    if override:
        require_staff(actor, prisoner.facility_id, "allowance_override")
    slot = _slot_for_booking(asked, prisoner)
    if slot is None or slot.replay_fingerprint is not None:
        replay = _replay(actor, asked.key, fingerprint)
        if replay is not None:
            return replay, True
        raise ValidationError(_("This visiting time does not exist."), code="unknown_slot")
    if slot.facility_id == prisoner.facility_id:
        slot.facility = prisoner.facility  # read once, with the prisoner
    proposal = rules.Proposal(prisoner, slot, kind, booked_by=None if by_staff else actor)
    facts = rules.Facts(
        rules.SlotFacts(
            closed=False,  # asked under the slot's lock instead (_take_seat), where it holds
            level_allowed=not slot.has_levels or level_allows(slot, prisoner),
            by_request=slot.by_request,
            busy=slot.busy,
            same_day=slot.same_day,
        )
    )
    now = timezone.now()
    rules.check(proposal, facts, now, only=rules.TIME_RULES)
    if slot.booked_count >= slot.capacity:
        # Refused before reading the party, and without queueing on the slot's
        # lock: once a rush has filled the times, most requests end here.
        raise _slot_full()
    visitors, party = _party(asked, prisoner, slot, by_staff=by_staff)
    proposal = replace(proposal, visitors=visitors)
    rules.check(proposal, replace(facts, party=party), now, only=rules.PARTY_RULES)
    allowance = allowance_on(prisoner, kind, slot.date)
    return _record(asked, fingerprint, override, prisoner, slot, visitors, allowance), False


def _record(
    asked: _Asked,
    fingerprint: str,
    override: str,
    prisoner: Prisoner,
    slot: Slot,
    visitors: list[Visitor],
    allowance: Allowance | None,
) -> Booking:
    """Take the seat and the allowance and write the booking, its party, message and audit.

    The seat's update locks the slot's row until the commit, so nothing but
    these writes happens while other families queue for it.
    """
    actor, kind = asked.actor, asked.kind
    _take_seat(slot)
    usage_id = _take_allowance(prisoner, kind, allowance, may_override=bool(override))
    # No usage row for a family visit means the allowance was used up and overridden.
    overridden = override if usage_id is None and kind != VisitKind.LEGAL else ""
    booking = Booking.objects.create(
        reference=new_reference(),  # unique in the database; a clash is drawn again above
        facility_id=slot.facility_id,
        slot=slot,
        prisoner=prisoner,
        kind=kind,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        allowance_usage_id=usage_id,
        allowance_override_reason=overridden,
        created_by=actor,
        idempotency_key=asked.key,
        request_fingerprint=fingerprint,
    )
    BookingVisitor.objects.bulk_create(
        [BookingVisitor(booking=booking, visitor=v) for v in visitors]
    )
    messages_for_booking(
        booking=booking, kind=Message.Kind.BOOKED, party=visitors, reference=booking.reference
    )
    extra = {"allowance_override_reason": overridden} if overridden else {}
    audit_record(
        actor=actor,
        action="booking.create",
        target=booking,
        facility_id=slot.facility_id,
        reference=booking.reference,
        slot=slot.pk,
        prisoner=prisoner.pk,
        visitors=[v.pk for v in visitors],
        kind=kind,
        **extra,
    )
    return booking


def _locked_prisoner(asked: _Asked) -> tuple[Prisoner, bool]:
    """The prisoner, locked, if the actor may book for them, and whether the actor is staff.

    Families book for the prisoners they are approved to visit; staff for
    their facility's. Anyone else learns nothing, not even whether the
    prisoner exists, and is refused before taking the lock.
    """
    actor = asked.actor
    prisoner = None
    family, staff = _may_book(actor, asked.prisoner_id)
    if family or staff:
        found = (
            Prisoner.objects.select_for_update(of=("self",))
            .select_related("facility", "level")
            .filter(pk=asked.prisoner_id)
        )
        prisoner = _one(found)
    if prisoner is not None:
        return prisoner, staff
    if (
        StaffRole.objects.filter(user=actor).exists()
        and not Prisoner.objects.filter(pk=asked.prisoner_id).exists()
    ):
        raise ValidationError(_("This prisoner is not known."), code="unknown_prisoner")
    raise PermissionDenied(_("You may only book visits with a relative you are approved to visit."))


def _may_book(actor: User, prisoner_id: int) -> tuple[bool, bool]:
    """(an approved contact of the prisoner, staff of the prisoner's facility); see sql.py."""
    roles = sorted(ACTIONS["book_on_behalf"])  # the one table's roles, as parameters
    statement = sql.MAY_BOOK.format(roles=", ".join(["%s"] * len(roles)), **sql.TABLES)
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [prisoner_id, Contact.Status.APPROVED, actor.pk, prisoner_id, actor.pk, *roles],
        )
        family, staff = cursor.fetchone()
        return bool(family), bool(staff)


def _slot_for_booking(asked: _Asked, prisoner: Prisoner) -> Any:
    """The slot with everything the rules ask about it, and an earlier booking under this key.

    One query, read after the prisoner's lock so that it sees what the
    prisoner's earlier bookings committed. The slot is not locked here, so
    its closure is asked about once it is. The slot's facility is the
    prisoner's (or the booking is refused) and its room is read only for a
    restricted visitor, so nothing is joined. Plain SQL: see sql.py.
    """
    active = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    by_request = ", ".join(["%s"] * len(rules.BY_REQUEST_STATUSES))
    statement = sql.SLOT_FOR_BOOKING.format(active=active, by_request=by_request, **sql.TABLES)
    params = [
        asked.actor.pk,
        asked.key,
        *rules.BY_REQUEST_STATUSES,
        prisoner.pk,
        *ACTIVE_STATUSES,
        prisoner.pk,
        *ACTIVE_STATUSES,
        asked.kind,
        asked.slot_id,
    ]
    return next(iter(Slot.objects.raw(statement, params)), None)


def _one(rows: QuerySet[Any]) -> Any:
    """The one row of a lookup by key, or None; without the model's ordering, which a single
    row does not need and which costs a measurable share of the query's CPU to compile."""
    return next(iter(rows.order_by()[:1]), None)


def _fingerprint(slot_id: int, prisoner_id: int, visitor_ids: Sequence[int], kind: str) -> str:
    canonical = f"{slot_id}|{prisoner_id}|{','.join(map(str, sorted(set(visitor_ids))))}|{kind}"
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(actor: User, key: str, fingerprint: str) -> Booking | None:
    booking = Booking.objects.filter(created_by=actor, idempotency_key=key).first()
    if booking is not None and booking.request_fingerprint != fingerprint:
        raise ValidationError(
            _("This request key was already used for a different booking."),
            code="idempotency_key_reused",
        )
    return booking


def _party(
    asked: _Asked, prisoner: Prisoner, slot: Slot, *, by_staff: bool
) -> tuple[list[Visitor], rules.PartyFacts]:
    """The chosen visitors in the order given and what the party's rules read about them, in
    one statement (and a second only when a restriction on one of them is in force then).

    Plain SQL (see sql.py). A visitor's identity document is not read (so
    not decrypted): booking never needs it.
    """
    wanted, actor_id = asked.visitor_ids, asked.actor.pk
    rows: dict[int, Any] = {}  # visitors, with their contact's columns
    if wanted:
        statement = sql.PARTY.format(ids=", ".join(["%s"] * len(wanted)), **sql.TABLES)
        params = [actor_id, prisoner.pk, slot.pk, *wanted]
        rows = {v.pk: v for v in Visitor.objects.raw(statement, params)}
    if len(rows) != len(wanted):
        raise ValidationError(_("One of the chosen visitors is not known."), code="unknown_visitor")
    visitors = [rows[pk] for pk in wanted]
    contacts = [
        _loaded(
            Contact,
            id=v.contact_id,
            visitor_id=v.pk,
            prisoner_id=prisoner.pk,
            status=v.contact_status,
            relationship=v.contact_relationship,
        )
        for v in visitors
        if v.contact_id is not None
    ]
    restricted = any(v.restricted for v in visitors)
    bringable = {
        v.pk
        for v in visitors
        if actor_id in (v.user_id, v.registered_by_user_id) or v.agreed_to_join
    }
    return visitors, rules.PartyFacts(
        contacts=contacts,
        restrictions=restrictions_on(slot, visitors, contacts) if restricted else [],
        bringable=None if by_staff else bringable,
    )


def _loaded(model: Any, **columns: Any) -> Any:
    """An instance of ``model`` as the ORM builds one from a row holding these columns only."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in columns]
    return model.from_db(None, names, [columns[name] for name in names])


def _slot_full() -> ValidationError:
    return ValidationError(_("This time is full. Please choose another."), code="slot_full")


def _take_seat(slot: Slot) -> None:
    """Take a seat with a conditional update, then ask whether the slot is closed.

    The database re-checks the count under the row lock the update takes, so
    two families racing for the last seat cannot both win. A closure decided
    meanwhile either waits for this booking (and then cancels it) or has
    committed, and the statement after the update, which reads anew, sees it.
    Plain SQL (see sql.py): this runs under the lock.
    """
    taken = seat_take(slot.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql.CLOSED.format(**sql.TABLES), [slot.pk])
        closed = cursor.fetchone()[0]
    if closed:
        raise rules.slot_closed()
    if not taken:
        raise _slot_full()


def _take_allowance(
    prisoner: Prisoner, kind: str, allowance: Allowance | None, *, may_override: bool
) -> int | None:
    """One visit off the prisoner's allowance, by the usage row's id.

    None for a legal visit or an authorised override.
    """
    if allowance is None:
        return None
    usage_id = _usage_take(prisoner, allowance) if allowance.limit > 0 else None
    if usage_id is None and not may_override:
        raise ValidationError(
            _ALLOWANCE_USED[(kind, allowance.period)],
            code="allowance_used",
            params={"prisoner": prisoner.full_name, "limit": allowance.limit},
        )
    return usage_id


def _usage_take(prisoner: Prisoner, allowance: Allowance) -> int | None:
    """Count one visit in the period's usage row, creating it; None if none is left.

    One statement instead of a create, an update and a read: the row lock
    and the check constraint still keep ``used`` within ``allowed``. Plain
    SQL because the ORM's upsert cannot add to a column or make its update
    conditional; PostgreSQL and SQLite both read it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql.USAGE_TAKE.format(**sql.TABLES),
            [prisoner.pk, allowance.kind, allowance.period, allowance.start, allowance.limit],
        )
        row = cursor.fetchone()
    return row[0] if row else None


# Whole sentences, so that each language can order them its own way.
_ALLOWANCE_USED = {
    ("in_person", "month"): _(
        "%(prisoner)s has no in-person visits left that month (%(limit)d a month)."
    ),
    ("video", "month"): _("%(prisoner)s has no video visits left that month (%(limit)d a month)."),
    ("in_person", "week"): _(
        "%(prisoner)s has no in-person visits left that week (%(limit)d a week)."
    ),
    ("video", "week"): _("%(prisoner)s has no video visits left that week (%(limit)d a week)."),
}
