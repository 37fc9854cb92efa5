"""The booking rules: one decision, "would this booking be accepted, and if not, why".

A booking is asked for as a ``Proposal`` (who books, for which prisoner, at
which time, of what kind, with whom) and judged against ``Facts``, everything
the rules read beyond those rows, which the caller reads beforehand:
``booking_create`` in a few plain statements under the prisoner's lock, the
waitlist and the allocation run through ``apps.bookings.selectors.booking_facts``.
The rules themselves read nothing, so every caller gets the same answer from
the same facts, in the same order (``RULES``).

A caller may waive rules that it decides later itself: the allocation run
waives the request window's hold on its own times, and a family's request
waives the rules the run checks against the bookings of the day it runs.
"""

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_stubs_ext import StrOrPromise

from apps.accounts.models import User
from apps.facilities.models import Facility, Slot
from apps.people.models import Contact, Prisoner, Relationship, Restriction, Visitor
from apps.policy.kinds import VisitKind
from apps.policy.selectors import party_limit

# A request window in these states holds its family times for the allocation run.
BY_REQUEST_STATUSES = ("open", "closed")


@dataclass(frozen=True)
class Proposal:
    """A booking as asked for. ``booked_by`` None: staff book, and may bring anyone approved."""

    prisoner: Prisoner
    slot: Slot
    kind: str
    visitors: Sequence[Visitor] = ()
    booked_by: User | None = None


@dataclass(frozen=True)
class SlotFacts:
    """What the rules about the time read: the slot's closure, levels and request window,
    and the prisoner's other active bookings.

    ``closed`` may be False for a caller that asks under the slot's lock instead.
    """

    closed: bool
    level_allowed: bool
    by_request: bool
    busy: bool  # an active booking of the prisoner overlaps the slot
    same_day: int  # the prisoner's active bookings of this kind on the slot's date


@dataclass(frozen=True)
class PartyFacts:
    """What the rules about the party read: each visitor's contact with the prisoner, the
    restrictions in force on them at the slot's time, and whom the booker may bring."""

    contacts: Sequence[Contact]
    restrictions: Sequence[Restriction]  # with visitor and contact__visitor loaded
    bringable: Collection[int] | None  # visitor ids; None when staff book


@dataclass(frozen=True)
class Facts:
    slot: SlotFacts
    party: PartyFacts | None = None  # None while only the time's rules are asked


Rule = Callable[[Proposal, Facts, dt.datetime], None]


def refusal(
    proposal: Proposal,
    facts: Facts,
    now: dt.datetime,
    *,
    only: Sequence[Rule] = (),
    waive: Collection[str] = (),
) -> ValidationError | None:
    """The first refusal of the rules (``only`` these, if given) not waived by code, or None."""
    for rule in only or RULES:
        try:
            rule(proposal, facts, now)
        except ValidationError as refused:
            if refused.code not in waive:
                return refused
    return None


def check(
    proposal: Proposal,
    facts: Facts,
    now: dt.datetime,
    *,
    only: Sequence[Rule] = (),
    waive: Collection[str] = (),
) -> None:
    """Raise the first refusal, as ``refusal`` finds it."""
    refused = refusal(proposal, facts, now, only=only, waive=waive)
    if refused is not None:
        raise refused


def refuse(message: StrOrPromise, code: str, **params: object) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def slot_closed() -> ValidationError:
    return refuse(_("There are no visits at this time: the facility has closed it."), "slot_closed")


# --------------------------------------------------------------------------- the time


def check_prisoner(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    prisoner, slot = proposal.prisoner, proposal.slot
    if not prisoner.is_in_custody or prisoner.facility_id != slot.facility_id:
        raise refuse(
            _("%(prisoner)s is not held at this facility, so no visit can be booked."),
            "not_in_custody",
            prisoner=prisoner.full_name,
        )


def check_notice(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    slot = proposal.slot
    facility = slot.facility
    if slot.starts_at <= now:
        raise refuse(_("This time has already passed."), "slot_past")
    if now >= facility.bookable_until_for(slot.date):
        raise _too_soon(facility)
    if (slot.date - facility.local_today(now)).days > facility.max_notice_days:
        raise refuse(
            _("Visits can be booked at most %(days)d days ahead."),
            "too_far",
            days=facility.max_notice_days,
        )


def check_medium(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    kind, slot = proposal.kind, proposal.slot
    if kind not in VisitKind.values:
        raise refuse(_("Choose an in-person, video or legal visit."), "kind")
    if kind == VisitKind.VIDEO and not slot.is_video:
        raise refuse(_("This time is for in-person visits, not video visits."), "kind_mismatch")
    if kind == VisitKind.LEGAL and slot.is_video:
        # Video visits may be recorded; a legal visit never is (principle 2).
        raise refuse(
            _("Legal visits take place in person, where they are never recorded."), "kind_mismatch"
        )
    if kind == VisitKind.IN_PERSON and slot.is_video:
        raise refuse(_("This time is for video visits, not in-person visits."), "kind_mismatch")


def check_open(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    if facts.slot.closed:
        raise slot_closed()


def check_level(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    if not facts.slot.level_allowed:
        raise refuse(
            _("This time is not open to prisoners at the %(level)s level."),
            "level_not_allowed",
            level=proposal.prisoner.level.name,
        )


def check_not_by_request(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    # A family time in an open or closed request window is kept for the allocation
    # run (apps.allocation), which marks the window published before it books.
    if proposal.kind != VisitKind.LEGAL and facts.slot.by_request:
        raise refuse(
            _("This time is shared out by request: rank it in the prison's request window."),
            "slot_by_request",
        )


# --------------------------------------------------------------------------- the party


def _party(facts: Facts) -> PartyFacts:
    assert facts.party is not None, "the party's rules need the party's facts"
    return facts.party


def check_party_is_theirs(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    """A family brings itself, the people it registered and those who agreed to come with it,
    never another family's people (an estranged spouse and a new partner may both be approved
    visitors of one prisoner)."""
    bringable = _party(facts).bringable
    if bringable is not None and any(v.pk not in bringable for v in proposal.visitors):
        raise refuse(
            _(
                "You can bring only yourself, the people you registered and those who agreed to come with you."
            ),
            "party_not_yours",
        )


def check_contacts(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    """Each visitor is an approved contact of the prisoner, of the visit's kind."""
    contacts = {c.visitor_id: c for c in _party(facts).contacts}
    for visitor in proposal.visitors:
        contact = contacts.get(visitor.pk)
        if contact is None or contact.status != Contact.Status.APPROVED:
            raise refuse(
                _("%(name)s is not an approved visitor of this prisoner."),
                "contact_not_approved",
                name=visitor.full_name,
            )
        if (proposal.kind == VisitKind.LEGAL) != (contact.relationship == Relationship.LEGAL):
            raise refuse(
                _("Legal visits are for legal representatives only, and family visits for family."),
                "legal_mismatch",
            )


def check_restrictions(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    """Refuse a visitor under a restriction that rules this visit out."""
    slot, kind = proposal.slot, proposal.kind
    for restriction in _party(facts).restrictions:
        visitor = restriction.visitor or restriction.contact.visitor  # type: ignore[union-attr]
        until = formats.date_format(
            restriction.ends_at.astimezone(slot.facility.zone), "DATE_FORMAT"
        )
        if restriction.kind == Restriction.Kind.BAN:
            raise refuse(
                _("%(name)s may not visit until %(until)s."),
                "restricted",
                name=visitor.full_name,
                until=until,
            )
        if restriction.kind == Restriction.Kind.NO_VIDEO and kind == VisitKind.VIDEO:
            raise refuse(
                _("%(name)s may not have video visits until %(until)s."),
                "restricted_no_video",
                name=visitor.full_name,
                until=until,
            )
        if (
            restriction.kind == Restriction.Kind.CLOSED_ONLY
            and slot.room
            and not slot.room.is_closed
        ):
            raise refuse(
                _(
                    "%(name)s may only have closed visits until %(until)s; choose a time in a closed room."
                ),
                "restricted_closed_only",
                name=visitor.full_name,
                until=until,
            )


def check_party(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    prisoner, slot, visitors = proposal.prisoner, proposal.slot, proposal.visitors
    facility = slot.facility
    limit = party_limit(prisoner.level, facility)
    if not visitors:
        raise refuse(_("Choose who is coming."), "party_empty")
    if len(visitors) > limit:
        raise refuse(
            _("At most %(limit)d people may come to one visit."), "party_too_large", limit=limit
        )
    adults = sum(1 for v in visitors if v.age_on(slot.date) >= facility.adult_age)
    children = len(visitors) - adults
    if adults == 0:
        raise refuse(_("Children must come with an adult."), "party_no_adult")
    if adults > facility.max_adults:
        raise refuse(
            _("At most %(limit)d adults may come to one visit."),
            "party_too_many_adults",
            limit=facility.max_adults,
        )
    if children > facility.max_children:
        raise refuse(
            _("At most %(limit)d children may come to one visit."),
            "party_too_many_children",
            limit=facility.max_children,
        )


def check_no_overlap(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    if facts.slot.busy:
        raise refuse(
            _("%(prisoner)s already has a visit at this time."),
            "prisoner_busy",
            prisoner=proposal.prisoner.full_name,
        )


def check_per_day(proposal: Proposal, facts: Facts, now: dt.datetime) -> None:
    """At most the facility's number of family visits of a kind for a prisoner on one date."""
    limit = proposal.slot.facility.per_day(proposal.kind)
    if limit is not None and facts.slot.same_day >= limit:  # legal visits are never limited
        raise refuse(
            ngettext_lazy(
                "%(prisoner)s already has %(limit)d visit of this kind that day, the most a day allows.",
                "%(prisoner)s already has %(limit)d visits of this kind that day, the most a day allows.",
                "limit",
            ),
            "per_day",
            prisoner=proposal.prisoner.full_name,
            limit=limit,
        )


def _too_soon(facility: Facility) -> ValidationError:
    days = facility.min_notice_days
    if facility.booking_closes_at is None:
        return refuse(
            _("Visits must be booked at least %(days)d days ahead."), "too_soon", days=days
        )
    time = facility.booking_closes_at.strftime("%H:%M")
    if days == 0:
        return refuse(
            _("Booking for a day closes at %(time)s that day."), "too_soon", time=time, days=0
        )
    return refuse(
        ngettext_lazy(
            "Booking for a day closes at %(time)s, %(days)d day before.",
            "Booking for a day closes at %(time)s, %(days)d days before.",
            "days",
        ),
        "too_soon",
        time=time,
        days=days,
    )


# The rules in the order every caller asks them. The time's come first: booking_create
# asks them, then refuses a full time, before it reads the party.
TIME_RULES: tuple[Rule, ...] = (
    check_prisoner,
    check_notice,
    check_medium,
    check_open,
    check_level,
    check_not_by_request,
)
PARTY_RULES: tuple[Rule, ...] = (
    check_party_is_theirs,
    check_contacts,
    check_restrictions,
    check_party,
    check_no_overlap,
    check_per_day,
)
RULES = TIME_RULES + PARTY_RULES
