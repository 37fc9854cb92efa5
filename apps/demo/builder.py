"""The Tianshan demo prison: a realistic, repeatable population for trying Visitline.

Everything here is fictional: the prison, its people, their documents and
phones. This module puts it together and books its first visits; the prison
itself is in prison.py, its people in population.py and their names (after
the naming traditions of families in Xinjiang, never stored) in names.py.
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.services import booking_create
from apps.calls.demo import demo_call_booking
from apps.demo.population import create_people
from apps.demo.prison import (
    FACILITY_CODE,
    create_facility,
    create_places,
    create_policy,
    ensure_staff,
)
from apps.facilities.models import Facility, Room, SessionTemplate, Slot, Terminal
from apps.facilities.services import slots_generate
from apps.people.models import Contact, Prisoner, Relationship, Visitor
from apps.policy.kinds import Stage, VisitKind
from apps.policy.selectors import stage_on, stage_rules

SEED = 2026


BOOKINGS_WANTED = 40

# --- names -------------------------------------------------------------------


def _create_bookings(facility: Facility, officer: User, rng: random.Random) -> int:
    """Book through the real service, so every rule holds; a refused request is skipped."""
    slots = _upcoming_slots(facility)
    parties = _family_parties(facility)
    candidates = sorted(parties)
    rng.shuffle(candidates)
    booked = 0
    for n, prisoner_id in enumerate(candidates, start=1):
        if booked == BOOKINGS_WANTED:
            break
        kind = VisitKind.VIDEO if rng.random() < 0.4 else VisitKind.IN_PERSON
        # Most families come together; the facility's limits still apply.
        party = parties[prisoner_id] if rng.random() < 0.7 else parties[prisoner_id][:1]
        try:
            booking_create(
                actor=officer,
                slot_id=rng.choice(slots[kind]),
                prisoner_id=prisoner_id,
                visitor_ids=party,
                kind=kind,
                idempotency_key=f"demo-{n}",
            )
        except ValidationError:
            continue
        booked += 1
    return booked


def _upcoming_slots(facility: Facility) -> dict[str, list[int]]:
    """Slot ids a few days ahead, by kind: a room hosts in-person visits, a terminal video."""
    today = facility.local_today()
    window = Slot.objects.filter(
        facility=facility, date__range=(today + dt.timedelta(days=2), today + dt.timedelta(days=9))
    ).order_by("starts_at", "id")
    return {
        VisitKind.IN_PERSON: list(window.filter(room__isnull=False).values_list("id", flat=True)),
        VisitKind.VIDEO: list(window.filter(terminal__isnull=False).values_list("id", flat=True)),
    }


def _family_parties(facility: Facility) -> dict[int, list[int]]:
    """Each prisoner's approved family visitors, adults first so no child comes alone."""
    contacts = (
        Contact.objects.filter(
            prisoner__facility=facility,
            prisoner__status=Prisoner.Status.IN_CUSTODY,
            status=Contact.Status.APPROVED,
        )
        .exclude(relationship=Relationship.LEGAL)
        .order_by("prisoner_id", "visitor__date_of_birth", "visitor_id")
    )
    parties: dict[int, list[int]] = defaultdict(list)
    for contact in contacts:
        parties[contact.prisoner_id].append(contact.visitor_id)
    return dict(parties)


# --- the whole load -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    facility: Facility
    created: bool
    new_slots: int
    counts: dict[str, int]


def load_demo() -> DemoSummary:
    """Load the demo prison once; a later run only tops up the slots and the staff logins."""
    with transaction.atomic():
        facility = Facility.objects.filter(code=FACILITY_CODE).first()
        return _top_up(facility) if facility is not None else _build()


def _build() -> DemoSummary:
    facility = create_facility()
    levels = create_policy(facility)
    create_places(facility, levels["lenient"], facility.local_today())
    officer = ensure_staff(facility)["officer"]
    new_slots = slots_generate(facility=facility)
    # One seeded generator drawn in a fixed order: the same demo every time.
    rng = random.Random(SEED)
    create_people(facility, levels, officer, rng)
    _create_bookings(facility, officer, rng)
    demo_call_booking(facility, officer)  # a video visit a few minutes from now
    return DemoSummary(facility, True, new_slots, demo_counts(facility))


def _top_up(facility: Facility) -> DemoSummary:
    # Slots roll forward day by day; a deleted demo login comes back.
    staff = ensure_staff(facility)
    new_slots = slots_generate(facility=facility)
    demo_call_booking(facility, staff["officer"])  # a new one once the last is over
    return DemoSummary(facility, False, new_slots, demo_counts(facility))


def demo_counts(facility: Facility) -> dict[str, int]:
    today = facility.local_today()
    prisoners = Prisoner.objects.filter(facility=facility)
    in_custody = list(prisoners.filter(status=Prisoner.Status.IN_CUSTODY))
    rules = stage_rules(facility.pk)
    stages = Counter(stage_on(p, today, rules) for p in in_custody)
    contacts = Contact.objects.filter(prisoner__facility=facility)
    visitors = Visitor.objects.filter(contacts__prisoner__facility=facility).distinct()
    adult_born_by = today - relativedelta(years=facility.adult_age)
    return {
        "prisoners": prisoners.count(),
        "in custody": len(in_custody),
        **{f"stage {stage.value}": stages[stage] for stage in Stage},
        "visitors": visitors.count(),
        "children": visitors.filter(date_of_birth__gt=adult_born_by).count(),
        "approved contacts": contacts.filter(status=Contact.Status.APPROVED).count(),
        "pending contacts": contacts.filter(status=Contact.Status.PENDING).count(),
        "legal representatives": contacts.filter(relationship=Relationship.LEGAL)
        .values("visitor")
        .distinct()
        .count(),
        "rooms": Room.objects.filter(facility=facility).count(),
        "terminals": Terminal.objects.filter(facility=facility).count(),
        "session templates": SessionTemplate.objects.filter(facility=facility).count(),
        "slots from today": Slot.objects.filter(facility=facility, date__gte=today).count(),
        "bookings": Booking.objects.filter(facility=facility).count(),
    }
