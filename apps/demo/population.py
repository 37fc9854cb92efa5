"""The demo's people: prisoners with their sentences, and their families and lawyers with
their documents, phones and contacts."""

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import phonenumbers
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from apps.accounts.models import User
from apps.demo.names import (
    ALL_REGIONS,
    HAN,
    TRADITIONS,
    UYGHUR,
    Name,
    Tradition,
    new_name,
    relative_name,
)
from apps.demo.prison import ADULT_AGE
from apps.facilities.models import Facility
from apps.people.models import Contact, Prisoner, Relationship, Visitor
from apps.policy.models import Level
from lib.crypto import digest
from lib.identity import PASSPORT, RESIDENT_ID, resident_id_check_digit

PRISONER_COUNT = 300
# Most serve the middle of a sentence; the rest show each stage and status
# that the booking rules treat differently.
PRISONER_MIX = {
    "remand": 15,
    "entry": 36,
    "pre_release": 42,
    "life": 4,
    "released": 3,
    "transferred": 3,
}
UNITS = ("一监区", "二监区", "三监区", "四监区", "五监区", "六监区", "七监区", "八监区")
PENDING_SHARE = 0.10
PASSPORT_SHARE = 0.015


@dataclass(frozen=True)
class Inmate:
    """A prisoner, with what the demo needs to invent a family for him."""

    prisoner: Prisoner
    name: Name
    age: int


# Weights of (strict, ordinary, lenient) by kind of sentence.
LEVEL_WEIGHTS = {
    "entry": (6, 4, 0),  # newcomers start under strict management
    "pre_release": (1, 4, 5),
    "remand": (0, 1, 0),
}
USUAL_LEVEL_WEIGHTS = (12, 58, 30)


def _create_prisoners(
    facility: Facility, levels: dict[str, Level], rng: random.Random, today: dt.date
) -> list[Inmate]:
    kinds = [kind for kind, count in PRISONER_MIX.items() for _ in range(count)]
    kinds += ["middle"] * (PRISONER_COUNT - len(kinds))
    rng.shuffle(kinds)
    numbers = rng.sample(range(1_000_000), PRISONER_COUNT)
    traditions = rng.choices(TRADITIONS, weights=[t.weight for t in TRADITIONS], k=PRISONER_COUNT)
    inmates = []
    for kind, number, tradition in zip(kinds, numbers, traditions, strict=True):
        # A men's prison: Chinese prisons hold men and women apart.
        name = new_name(rng, tradition)
        weights = LEVEL_WEIGHTS.get(kind, USUAL_LEVEL_WEIGHTS)
        level = rng.choices(list(levels.values()), weights=weights)[0]
        prisoner = Prisoner(
            facility=facility,
            number=f"6501{number:06d}",
            full_name=str(name),
            unit=rng.choice(UNITS),
            level=level,
            **_sentence(rng, kind, today),
        )
        inmates.append(Inmate(prisoner, name, int(rng.triangular(19, 66, 34))))
    Prisoner.objects.bulk_create([inmate.prisoner for inmate in inmates])
    return inmates


def _sentence(rng: random.Random, kind: str, today: dt.date) -> dict[str, Any]:
    """Legal status, sentence dates and status that put a prisoner in the wanted stage."""

    def days(low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=rng.randint(low, high))

    if kind == "remand":
        return {"legal_status": Prisoner.LegalStatus.REMAND}
    if kind == "entry":  # entry stage: the first 3 months
        start = today - days(3, 85)
        return {"sentence_start": start, "sentence_end": start + days(365, 12 * 365)}
    if kind == "pre_release":  # pre-release stage: the last 6 months
        end = today + days(7, 175)
        return {"sentence_start": end - days(2 * 365, 12 * 365), "sentence_end": end}
    if kind == "life":  # an indeterminate sentence has no end date
        return {"sentence_start": today - days(365, 15 * 365), "sentence_end": None}
    if kind == "released":
        end = today - days(3, 60)
        return {
            "sentence_start": end - days(365, 5 * 365),
            "sentence_end": end,
            "status": Prisoner.Status.RELEASED,
        }
    status = Prisoner.Status.TRANSFERRED if kind == "transferred" else Prisoner.Status.IN_CUSTODY
    return {
        "sentence_start": today - days(120, 9 * 365),
        "sentence_end": today + days(200, 12 * 365),
        "status": status,
    }


# --- families ----------------------------------------------------------------------


@dataclass(frozen=True)
class Relative:
    name: Name
    relationship: str
    male: bool
    age: int


FIRST_RELATIONSHIPS = {"spouse": 45, "parent": 30, "sibling": 15, "child": 10}
MORE_RELATIONSHIPS = {
    "spouse": 10,
    "child": 45,
    "parent": 20,
    "sibling": 15,
    "grandparent": 5,
    "other_relative": 5,
}


def _plan_family(rng: random.Random, inmate: Inmate) -> list[Relative]:
    """One to three relatives; the first is an adult, so a child never comes alone."""
    size = rng.choices((1, 2, 3), weights=(55, 35, 10))[0]
    family: list[Relative] = []
    # Spare draws, because not every relationship fits every family.
    for _ in range(20):
        if len(family) == size:
            break
        relative = _draw_relative(rng, inmate, family)
        if relative is not None:
            family.append(relative)
    return family


def _draw_relative(rng: random.Random, inmate: Inmate, family: list[Relative]) -> Relative | None:
    weights = MORE_RELATIONSHIPS if family else FIRST_RELATIONSHIPS
    relationship = rng.choices(list(weights), weights=list(weights.values()))[0]
    drawn = _sex_and_age(rng, relationship, inmate.age, family)
    if drawn is None:
        return None
    male, age = drawn
    return Relative(relative_name(rng, inmate.name, relationship, male), relationship, male, age)


def _sex_and_age(
    rng: random.Random, relationship: str, age: int, family: list[Relative]
) -> tuple[bool, int] | None:
    """A plausible sex and age for the relative, or None where none fits this family."""
    taken = Counter((r.relationship, r.male) for r in family)
    if relationship == "spouse":
        return None if taken["spouse", False] else (False, max(19, age + rng.randint(-6, 3)))
    if relationship == "parent":
        free = [male for male in (True, False) if not taken["parent", male]]
        parent_age = age + rng.randint(20, 34)
        return (rng.choice(free), parent_age) if free and parent_age <= 88 else None
    if relationship == "child":
        # The first relative comes alone, so only a grown child may be first.
        youngest, oldest = (ADULT_AGE if not family else 1), age - 20
        if oldest < youngest:
            return None
        return rng.random() < 0.5, rng.randint(youngest, oldest)
    if relationship == "grandparent":
        return (rng.random() < 0.4, age + rng.randint(44, 54)) if age <= 32 else None
    if relationship == "sibling":
        return rng.random() < 0.5, max(18, age + rng.randint(-8, 8))
    return rng.random() < 0.5, rng.randint(25, 65)


class Issuer:
    """Hands out unique, well-formed and entirely made-up documents and phone numbers."""

    # China Mobile, Unicom and Telecom blocks; 154 is not in use.
    MOBILE_PREFIXES = (*range(130, 140), *range(150, 154), *range(155, 160), *range(180, 190))

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, draw: Callable[[], str | None]) -> str:
        while True:
            value = draw()
            if value is not None and value not in self.used:
                self.used.add(value)
                return value

    def resident_id(self, region: str, born: dt.date, male: bool) -> str:
        def draw() -> str:
            # GB 11643: the sequence number ends odd for men and even for women.
            sequence = self.rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
            return first17 + resident_id_check_digit(first17)

        return self._unique(draw)

    def passport(self) -> str:
        return self._unique(lambda: f"E{self.rng.randrange(10**8):08d}")

    def phone(self) -> str:
        def draw() -> str | None:
            number = f"+86{self.rng.choice(self.MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            return number if phonenumbers.is_valid_number(phonenumbers.parse(number)) else None

        return self._unique(draw)


@dataclass
class Household:
    """What a family shares: where its IDs were issued, its language, its phone."""

    region: str
    language: str
    phone: str = ""


def _household(rng: random.Random, tradition: Tradition) -> Household:
    languages, weights = zip(*tradition.languages, strict=True)
    return Household(rng.choice(tradition.regions), rng.choices(languages, weights=weights)[0])


def _visitor(
    rng: random.Random, issuer: Issuer, household: Household, relative: Relative, today: dt.date
) -> Visitor:
    born = today - relativedelta(years=relative.age) - dt.timedelta(days=rng.randint(1, 364))
    adult = relative.age >= ADULT_AGE
    if adult and rng.random() < PASSPORT_SHARE:
        document_type, number = PASSPORT, issuer.passport()
    else:
        # Most relatives share the family's home region; some live elsewhere.
        region = household.region if rng.random() < 0.8 else rng.choice(ALL_REGIONS)
        document_type, number = RESIDENT_ID, issuer.resident_id(region, born, relative.male)
    if adult:
        phone = issuer.phone()
        household.phone = household.phone or phone
    else:
        phone = household.phone  # a child is reached through the family's first adult
    return Visitor(
        full_name=str(relative.name),
        date_of_birth=born,
        document_type=document_type,
        document_number=number,
        document_digest=digest(number),
        phone=phone,
        preferred_language=household.language,
    )


@dataclass
class Links:
    """Visitors waiting to be saved, and the contacts that join them to prisoners."""

    visitors: list[Visitor]
    contacts: list[Contact]


def _families(
    rng: random.Random, issuer: Issuer, inmates: list[Inmate], officer: User, today: dt.date
) -> Links:
    links = Links([], [])
    for inmate in inmates:
        if not inmate.prisoner.is_in_custody:
            continue
        household = _household(rng, inmate.name.tradition)
        for relative in _plan_family(rng, inmate):
            visitor = _visitor(rng, issuer, household, relative, today)
            pending = rng.random() < PENDING_SHARE
            links.visitors.append(visitor)
            links.contacts.append(
                _contact(rng, visitor, inmate.prisoner, relative.relationship, officer, pending)
            )
    return links


def _lawyers(
    rng: random.Random, issuer: Issuer, inmates: list[Inmate], officer: User, today: dt.date
) -> Links:
    """Three legal representatives, mostly for people on remand awaiting trial."""
    in_custody = [i.prisoner for i in inmates if i.prisoner.is_in_custody]
    on_remand = [p for p in in_custody if p.legal_status == Prisoner.LegalStatus.REMAND]
    sentenced = [p for p in in_custody if p.legal_status == Prisoner.LegalStatus.SENTENCED]
    links = Links([], [])
    for tradition in (HAN, UYGHUR, HAN):
        male = rng.random() < 0.6
        name = new_name(rng, tradition, male)
        relative = Relative(name, Relationship.LEGAL, male, rng.randint(30, 58))
        visitor = _visitor(
            rng, issuer, Household(rng.choice(HAN.regions), "zh-hans"), relative, today
        )
        links.visitors.append(visitor)
        for prisoner in rng.sample(on_remand, 2) + rng.sample(sentenced, rng.randint(1, 2)):
            links.contacts.append(
                _contact(rng, visitor, prisoner, Relationship.LEGAL, officer, pending=False)
            )
    return links


def _contact(
    rng: random.Random,
    visitor: Visitor,
    prisoner: Prisoner,
    relationship: str,
    officer: User,
    pending: bool,
) -> Contact:
    if pending:
        return Contact(visitor=visitor, prisoner=prisoner, relationship=relationship)
    return Contact(
        visitor=visitor,
        prisoner=prisoner,
        relationship=relationship,
        status=Contact.Status.APPROVED,
        decided_by=officer,
        decided_at=timezone.now()
        - dt.timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600)),
    )


def _save_links(links: Links, today: dt.date) -> None:
    """Adults get an account to sign in with, named by their phone; children do not."""
    adults = [v for v in links.visitors if v.age_on(today) >= ADULT_AGE]
    users = [User(username=v.phone, full_name=v.full_name) for v in adults]
    for user in users:
        user.set_unusable_password()  # they sign in by phone code, not password
    User.objects.bulk_create(users, batch_size=500)
    for visitor, user in zip(adults, users, strict=True):
        visitor.user = user
    # A child is registered by the household's first adult, whose phone it shares.
    by_phone = {v.phone: v for v in reversed(adults)}
    Visitor.objects.bulk_create(links.visitors, batch_size=500)
    children = [v for v in links.visitors if v.user is None and v.phone in by_phone]
    for child in children:
        child.registered_by = by_phone[child.phone]
    Visitor.objects.bulk_update(children, ["registered_by"], batch_size=500)
    # bulk_create copies each saved visitor's new key into the contacts pointing at it.
    Contact.objects.bulk_create(links.contacts, batch_size=500)


def create_people(
    facility: Facility, levels: dict[str, Level], officer: User, rng: random.Random
) -> None:
    today = facility.local_today()
    inmates = _create_prisoners(facility, levels, rng, today)
    issuer = Issuer(rng)
    families = _families(rng, issuer, inmates, officer, today)
    lawyers = _lawyers(rng, issuer, inmates, officer, today)
    _save_links(
        Links(families.visitors + lawyers.visitors, families.contacts + lawyers.contacts), today
    )


# --- bookings ------------------------------------------------------------------------
