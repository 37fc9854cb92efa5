"""Every form field and API body that takes a name, an identity number, a phone, a date or free
text, fed what people really type and what attackers send: no answer is a 5xx, and whatever is
stored is clean and shows on the pages that read it later.

The examples are generated (Hypothesis) but derandomized and bounded, so the run is the same
on every machine and day and stays within the suite's time."""

import datetime as dt
import itertools
import unicodedata

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.people.models import Contact, Prisoner, Restriction, Visitor
from lib import sms
from lib.identity import resident_id_check_digit
from lib.numbers import is_prisoner_number

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What reaches a form from real keyboards and from hostile ones.
ODD = [
    "\u202e",  # right-to-left override
    "\u202a",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u200d",  # zero-width joiner, inside words of some scripts
    "\u0301\u0301\u0301\u0301\u0301",  # a stack of combining marks
    "\u0651",
    "\ufeff",
    "\u3000",  # the ideographic space a Chinese input method types
    "\x00",
    "\n",
    "\t",
    "<script>",
    "&amp;",
    '"',
    "%(name)s",
    "{{ x }}",
]
WORDS = [
    "Ayshem",
    "Tursun",
    "热依拉",
    "王伟",
    "ئايشەم",
    "تۇرسۇن",
    "Ｈ３ＦＷ１",
    "６５０１０２",
    "👩\u200d👧",
    "O'Brien",
    "·",
    " ",
]
typed = st.lists(
    st.one_of(st.sampled_from(ODD), st.sampled_from(WORDS), st.text(max_size=4)), max_size=10
).map("".join)
# Mostly a name as a person types one, now and then with something odd inside it.
names = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(ODD)),
    min_size=1,
    max_size=6,
).map("".join)


def full_width(text: str) -> str:
    """As a Chinese input method in full-width mode types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def written(days: st.SearchStrategy[dt.date]) -> st.SearchStrategy[str]:
    """Mostly as a date field sends it, now and then in full width."""
    iso = days.map(dt.date.isoformat)
    return st.one_of(iso, iso, iso, iso.map(full_width))


odd_dates = st.one_of(
    written(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    st.sampled_from(["0", "2026-02-30", "2026-06-10T00:00", "10/06/2026", "", "９９９９９-１-１"]),
    typed,
)


def mostly(days: st.SearchStrategy[dt.date]) -> st.SearchStrategy[str]:
    """Three plausible dates to one odd one, so that the stored half of each test runs too."""
    return st.one_of(written(days), written(days), written(days), odd_dates)


births = mostly(st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)))


@st.composite
def identities(draw) -> tuple[str, str, str]:
    """A document and a date of birth: mostly agreeing, the number in full width now and then,
    born as long ago as 1800; or cut short, one digit too many, a passport, something else."""
    born = draw(st.dates(dt.date(1800, 1, 1), dt.date(2026, 12, 31)))
    first17 = f"650102{born:%Y%m%d}" + draw(st.from_regex(r"\A[0-9]{3}\Z"))
    number = first17 + resident_id_check_digit(first17)
    variants = [number, number, full_width(number), number[:15], number + "1", number[1:]]
    resident = st.tuples(st.just("resident_id"), st.sampled_from(variants))
    passport = st.tuples(st.just("passport"), st.from_regex(r"\A[A-Za-z]?[0-9]{5,9}\Z"))
    other = st.tuples(st.sampled_from(Visitor.DocumentType.values), typed)
    kind, number = draw(st.one_of(resident, resident, passport, other))
    birth = draw(st.one_of(st.just(born.isoformat()), st.just(born.isoformat()), births))
    return kind, number, birth


@st.composite
def spans(draw, first: dt.date, last: dt.date) -> tuple[str, str]:
    """A start and an end: mostly in order, sometimes backwards or not dates at all."""
    start = draw(st.dates(first, last))
    end = start + dt.timedelta(days=draw(st.integers(-30, 3650)))
    ordered = st.tuples(st.just(start.isoformat()), st.just(end.isoformat()))
    odd = st.tuples(st.one_of(written(st.just(start)), odd_dates), odd_dates)
    return draw(st.one_of(ordered, ordered, ordered, odd))


prisoner_numbers = st.one_of(
    st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,9}\Z"),
    st.from_regex(r"\A[A-Z][0-9]{3,8}\Z").map(full_width),
    typed,
)
phones = st.one_of(
    st.from_regex(r"\A\+?(86)? ?1[3-9][0-9] ?[0-9]{4} ?[0-9]{4}\Z"),
    st.from_regex(r"\A1[3-9][0-9]{9}\Z").map(full_width),
    st.sampled_from(["010-65529988", "+86 138 ABCD EFGH", "+1 202 555 0143", "٠١٣٨٠٠١٣٨٠٠٠"]),
    typed,
)

_serial = itertools.count(1)


def told_why(response, stored: bool) -> None:
    """Stored, or the form again with a reason beside a field: never a silent refusal.
    (``--hypothesis-show-statistics`` shows how the examples fell.)"""
    if stored:
        event("stored")
        return
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors and all(errors.values())
    event(f"refused at {sorted(errors)}")


def no_bidi_controls(text: str) -> bool:
    return not any(unicodedata.category(c) == "Cf" and c not in "\u200c\u200d" for c in text)


@given(full_name=names, identity=identities())
@EXAMPLES
def test_registering_a_profile(client, world, full_name, identity):
    kind, number, date_of_birth = identity
    user = get_user_model().objects.create_user(username=f"+8613900{next(_serial):06d}")
    client.force_login(user)
    response = client.post(
        reverse("portal:profile"),
        {
            "full_name": full_name,
            "date_of_birth": date_of_birth,
            "document_type": kind,
            "document_number": number,
            "preferred_language": "ug",
        },
    )
    assert response.status_code in (200, 302)
    visitor = Visitor.objects.filter(user=user).first()
    told_why(response, stored=visitor is not None)
    if visitor is None:
        return
    assert no_bidi_controls(visitor.full_name) and visitor.full_name.strip()
    assert dt.date(1900, 1, 1) <= visitor.date_of_birth <= dt.date(2026, 6, 10)
    for page in ("portal:home", "portal:profile", "portal:contact_request"):
        assert client.get(reverse(page)).status_code == 200


@given(phone=phones)
@EXAMPLES
def test_asking_for_a_sign_in_code(client, phone):
    cache.clear()  # the limits on codes per phone are tested elsewhere
    sms.outbox.clear()
    response = client.post(reverse("portal:sign_in"), {"phone": phone})
    assert response.status_code in (200, 302)
    assert (response.status_code == 302) == bool(sms.outbox)
    event("code sent" if sms.outbox else "refused")
    for message in sms.outbox:
        number = phonenumbers.parse(message.to)
        # A code goes only to a mobile that is the number typed, never a guess at one.
        assert phonenumbers.number_type(number) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        typed_digits = "".join(str(unicodedata.digit(c)) for c in phone if c.isdigit())
        assert typed_digits.endswith(str(number.national_number))


@given(prisoner_number=prisoner_numbers, prisoner_name=names)
@EXAMPLES
def test_asking_to_visit_a_relative(client, world, prisoner_number, prisoner_name):
    client.force_login(world.family.user)
    response = client.post(
        reverse("portal:contact_request"),
        {
            "facility": world.facility.pk,
            "prisoner_number": prisoner_number,
            "prisoner_name": prisoner_name,
            "relationship": "sibling",
        },
    )
    assert Contact.objects.filter(visitor=world.family).count() == 1  # no such prisoner
    told_why(response, stored=False)
    assert client.get(reverse("portal:home")).status_code == 200


@given(unit=typed, sentence=spans(dt.date(1990, 1, 1), dt.date(2026, 6, 10)))
@EXAMPLES
def test_changing_a_prisoners_record(client, console_as, world, unit, sentence):
    sentence_start, sentence_end = sentence
    officer = console_as(world.supervisor)
    url = reverse("console:prisoner_change", args=[world.facility.code, world.prisoner.pk])
    response = officer.post(
        url,
        {
            "level": world.prisoner.level.pk,
            "unit": unit,
            "legal_status": Prisoner.LegalStatus.SENTENCED,
            "sentence_start": sentence_start,
            "sentence_end": sentence_end,
        },
    )
    assert response.status_code in (200, 302)
    told_why(response, stored=response.status_code == 302)
    page = officer.get(reverse("console:prisoner", args=[world.facility.code, world.prisoner.pk]))
    assert page.status_code == 200
    client.force_login(world.family.user)
    assert client.get(reverse("portal:book", args=[world.prisoner.pk])).status_code == 200


@given(reason=st.one_of(names, typed), span=spans(dt.date(2026, 6, 11), dt.date(2027, 6, 10)))
@EXAMPLES
def test_restricting_a_visitor(console_as, world, reason, span):
    starts_at, ends_at = span
    officer = console_as(world.supervisor)
    before = Restriction.objects.count()
    response = officer.post(
        reverse("console:restrictions_new", args=[world.facility.code]),
        {
            "q": "",
            "target": f"visitor:{world.family.pk}",
            "kind": Restriction.Kind.CLOSED_ONLY,
            "starts_at": f"{starts_at}T09:00",
            "ends_at": f"{ends_at}T09:00",
            "reason": reason,
        },
    )
    assert response.status_code in (200, 302)
    told_why(response, stored=Restriction.objects.count() > before)
    if Restriction.objects.count() > before:
        stored = Restriction.objects.latest("pk")
        assert stored.reason.strip() and "\x00" not in stored.reason
        assert stored.starts_at < stored.ends_at
    assert (
        officer.get(reverse("console:restrictions", args=[world.facility.code])).status_code == 200
    )


@given(
    number=prisoner_numbers,
    full_name=names,
    sentence=spans(dt.date(1990, 1, 1), dt.date(2026, 6, 10)),
)
@EXAMPLES
def test_a_roster_row_from_the_records_system(
    api, api_token, client, console_as, world, number, full_name, sentence
):
    sentence_start, sentence_end = sentence
    token = api_token(role="administrator")
    row = {
        "number": number,
        "full_name": full_name,
        "level": world.prisoner.level.code,
        "legal_status": "sentenced",
        "sentence_start": sentence_start,
        "sentence_end": sentence_end or None,
    }
    response = api.post("/prisoners/roster", {"prisoners": [row]}, token=token)
    assert response.status_code in (200, 422), response.content
    event("stored" if response.status_code == 200 else "refused")
    if response.status_code != 200:
        return
    stored = Prisoner.objects.get(number=response.json()["rows"][0]["number"])
    assert is_prisoner_number(stored.number)
    assert no_bidi_controls(stored.full_name)
    assert api.get(f"/prisoners/{stored.number}", token=token).status_code == 200
    page = console_as(world.officer).get(
        reverse("console:prisoner", args=[world.facility.code, stored.pk])
    )
    assert page.status_code == 200
    Contact.objects.get_or_create(
        visitor=world.family, prisoner=stored, defaults={"status": Contact.Status.APPROVED}
    )
    client.force_login(world.family.user)
    assert client.get(reverse("portal:book", args=[stored.pk])).status_code == 200
