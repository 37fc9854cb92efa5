"""The booking rules, each a check that raises a clear, translatable refusal.

``booking_create`` runs them inside its transaction, after it has locked the
prisoner, so what they read cannot change before the booking is written. It
reads what the rules need in a few queries (``SlotFacts`` and the contacts'
``restricted`` flag) and hands it in; other callers, such as the waitlist,
leave those out and each rule asks the database itself.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_stubs_ext import StrOrPromise

from apps.accounts.models import User
from apps.bookings.selectors import overlapping_bookings, same_day_bookings, slot_is_closed
from apps.facilities.models import Facility, Slot
from apps.people.models import Contact, Prisoner, Relationship, Restriction, Visitor
from apps.people.selectors import restrictions_in_force
from apps.policy.models import VisitKind
from apps.policy.selectors import party_limit


def refuse(message: StrOrPromise, code: str, **params: object) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def check_prisoner(prisoner: Prisoner, slot: Slot) -> None:
    if not prisoner.is_in_custody or prisoner.facility_id != slot.facility_id:
        raise refuse(
            _("%(prisoner)s is not held at this facility, so no visit can be booked."),
            "not_in_custody",
            prisoner=prisoner.full_name,
        )


# A request window in these states holds its family times for the allocation run.
BY_REQUEST_STATUSES = ("open", "closed")


@dataclass(frozen=True)
class SlotFacts:
    """What the slot rules read beyond the slot's row, when the caller fetched it already.

    ``closed`` may be False for a caller that asks under the slot's lock instead.
    """

    closed: bool
    level_allowed: bool
    by_request: bool


def check_slot(
    slot: Slot, kind: str, prisoner: Prisoner, now: dt.datetime, facts: SlotFacts | None = None
) -> None:
    facility = slot.facility
    if slot.starts_at <= now:
        raise refuse(_("This time has already passed."), "slot_past")
    days_ahead = (slot.date - facility.local_today(now)).days
    if now >= facility.bookable_until_for(slot.date):
        raise _too_soon(facility)
    if days_ahead > facility.max_notice_days:
        raise refuse(
            _("Visits can be booked at most %(days)d days ahead."),
            "too_far",
            days=facility.max_notice_days,
        )
    _check_medium(slot, kind)
    if facts.closed if facts else slot_is_closed(slot):
        raise slot_closed()
    if not (facts.level_allowed if facts else _level_allowed(slot, prisoner)):
        raise refuse(
            _("This time is not open to prisoners at the %(level)s level."),
            "level_not_allowed",
            level=prisoner.level.name,
        )
    # A family time in an open or closed request window is kept for the allocation
    # run (apps.allocation), which marks the window published before it books.
    if kind != VisitKind.LEGAL and (facts.by_request if facts else _by_request(slot)):
        raise refuse(
            _("This time is shared out by request: rank it in the prison's request window."),
            "slot_by_request",
        )


def slot_closed() -> ValidationError:
    return refuse(_("There are no visits at this time: the facility has closed it."), "slot_closed")


def _level_allowed(slot: Slot, prisoner: Prisoner) -> bool:
    allowed_levels = {level.pk for level in slot.template.levels.all()}
    return not allowed_levels or prisoner.level_id in allowed_levels


def _by_request(slot: Slot) -> bool:
    return slot.request_windows.filter(status__in=BY_REQUEST_STATUSES).exists()


def _check_medium(slot: Slot, kind: str) -> None:
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


def approved_contacts(
    prisoner: Prisoner,
    visitors: Sequence[Visitor],
    kind: str,
    known: Iterable[Contact] | None = None,
) -> list[Contact]:
    """Each visitor's contact with the prisoner; refuses one not approved or of the wrong kind.

    ``known`` are the prisoner's contacts with these visitors when the caller
    has read them already.
    """
    if known is None:
        known = Contact.objects.filter(prisoner=prisoner, visitor__in=visitors)
    contacts = {c.visitor_id: c for c in known}
    for visitor in visitors:
        contact = contacts.get(visitor.pk)
        if contact is None or contact.status != Contact.Status.APPROVED:
            raise refuse(
                _("%(name)s is not an approved visitor of this prisoner."),
                "contact_not_approved",
                name=visitor.full_name,
            )
        if (kind == VisitKind.LEGAL) != (contact.relationship == Relationship.LEGAL):
            raise refuse(
                _("Legal visits are for legal representatives only, and family visits for family."),
                "legal_mismatch",
            )
    return [contacts[v.pk] for v in visitors]


def check_restrictions(
    slot: Slot,
    kind: str,
    visitors: Sequence[Visitor],
    contacts: Sequence[Contact],
    any_in_force: bool = True,
) -> None:
    """Refuse a visitor under a restriction that rules this visit out.

    ``any_in_force`` False says the caller already knows none applies then.
    """
    if not any_in_force:
        return
    in_force: QuerySet[Restriction] = restrictions_in_force(
        facility_id=slot.facility_id,
        visitor_ids=[v.pk for v in visitors],
        contact_ids=[c.pk for c in contacts],
        at=slot.starts_at,
    ).select_related("visitor", "contact__visitor")
    for restriction in in_force:
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


def check_party_is_theirs(actor: User, visitors: Sequence[Visitor]) -> None:
    """A family brings itself, the people it registered and those who agreed to come with it,
    never another family's people (an estranged spouse and a new partner may both be approved
    visitors of one prisoner).

    ``visitors`` carry ``registered_by_user_id`` and ``agreed_to_join`` (the booking path's
    statement reads them).
    """
    for visitor in visitors:
        registrar = getattr(visitor, "registered_by_user_id", None)
        agreed = bool(getattr(visitor, "agreed_to_join", False))
        if visitor.user_id != actor.pk and registrar != actor.pk and not agreed:
            raise refuse(
                _(
                    "You can bring only yourself, the people you registered and those who agreed to come with you."
                ),
                "party_not_yours",
            )


def check_party(prisoner: Prisoner, slot: Slot, visitors: Sequence[Visitor]) -> None:
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


def check_per_day(prisoner: Prisoner, slot: Slot, kind: str, same_day: int | None = None) -> None:
    """At most the facility's number of family visits of a kind for a prisoner on one date."""
    limit = slot.facility.per_day(kind)
    if limit is None:
        return  # legal visits are never limited
    if same_day is None:
        same_day = same_day_bookings(prisoner=prisoner, slot=slot, kind=kind).count()
    if same_day >= limit:
        raise refuse(
            ngettext_lazy(
                "%(prisoner)s already has %(limit)d visit of this kind that day, the most a day allows.",
                "%(prisoner)s already has %(limit)d visits of this kind that day, the most a day allows.",
                "limit",
            ),
            "per_day",
            prisoner=prisoner.full_name,
            limit=limit,
        )


def check_no_overlap(prisoner: Prisoner, slot: Slot, busy: bool | None = None) -> None:
    if busy if busy is not None else overlapping_bookings(prisoner=prisoner, slot=slot).exists():
        raise refuse(
            _("%(prisoner)s already has a visit at this time."),
            "prisoner_busy",
            prisoner=prisoner.full_name,
        )
