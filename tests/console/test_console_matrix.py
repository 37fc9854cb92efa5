"""The authorization matrix: every console page against every persona.

Each URL of the console is requested (GET and POST) by a family, an officer of
another prison, an officer, a supervisor and an administrator of this prison,
and anonymously. The expected answer comes from one table, ACTIONS: staff of
another prison and families get 404 (they learn nothing), a role without the
action gets 403, a role with it gets the page (or, for a POST-only action, a
405 on GET). A view that forgot its decorator fails here.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.accounts.permissions import ACTIONS
from apps.api.tokens import api_token_issue
from apps.bookings.services import booking_create
from apps.people.models import Contact, Restriction
from tests import factories
from tests.calls_support import world_call

PERSONAS = ["family", "other_officer", "officer", "supervisor", "administrator"]


def console_facility_patterns() -> list[tuple[str, URLPattern]]:
    """(url name, pattern) for every view under /console/<facility_code>/."""
    console = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "console"
    )
    facility = next(p for p in console.url_patterns if isinstance(p, URLResolver))
    return [(str(p.name), p) for p in facility.url_patterns if isinstance(p, URLPattern)]


@pytest.fixture
def records(world):
    slot = factories.slot(world.facility, days_ahead=3)
    booking = booking_create(
        actor=world.officer,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key="matrix",
    )
    pending = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    restriction = Restriction.objects.create(
        facility=world.facility,
        visitor=world.family,
        kind=Restriction.Kind.NO_VIDEO,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(days=10),
        reason="Matrix",
        set_by=world.supervisor,
    )
    live_call = world_call(world, prisoner=factories.prisoner(world.facility))
    return {
        "call": live_call.booking.reference,  # the reference of the video pages
        "terminal_id": live_call.terminal_id,
        "contact_id": pending.pk,
        "prisoner_id": world.prisoner.pk,
        "slot_id": slot.pk,
        "template_id": slot.template_id,
        "reference": booking.reference,
        "restriction_id": restriction.pk,
        "token_id": api_token_issue(
            actor=None, facility=world.facility, name="Matrix", scope="read"
        ).token.pk,
    }


def url_for(name: str, pattern: URLPattern, world, records) -> str:
    kwargs = {key: records[key] for key in pattern.pattern.converters}
    if name.startswith("video_") and "reference" in kwargs:
        kwargs["reference"] = records["call"]  # a video visit's pages want a live call
    return reverse(f"console:{name}", kwargs={"facility_code": world.facility.code, **kwargs})


def user_of(world, persona):
    return world.family.user if persona == "family" else getattr(world, persona)


def expected(persona: str, action: str, world) -> str:
    if persona in ("family", "other_officer"):
        return "hidden"
    role = world.facility.staff_roles.get(user=user_of(world, persona)).role
    return "allowed" if role in ACTIONS[action] else "forbidden"


def test_every_console_view_declares_its_action():
    for name, pattern in console_facility_patterns():
        assert getattr(pattern.callback, "console_action", None) in ACTIONS, name


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_exactly_what_it_should(world, records, console_as, persona):
    browser = console_as(user_of(world, persona))
    for name, pattern in console_facility_patterns():
        url = url_for(name, pattern, world, records)
        outcome = expected(persona, pattern.callback.console_action, world)
        got = browser.get(url).status_code
        if outcome == "hidden":
            assert got == 404, (persona, name, got)
        elif outcome == "forbidden":
            assert got == 403, (persona, name, got)
        else:
            assert got in (200, 302, 405), (persona, name, got)


@pytest.mark.parametrize("persona", ["family", "other_officer", "officer"])
def test_posts_are_refused_the_same_way_and_change_nothing(world, records, console_as, persona):
    from apps.audit.models import AuditEvent

    browser = console_as(user_of(world, persona))
    before = AuditEvent.objects.count()
    for name, pattern in console_facility_patterns():
        outcome = expected(persona, pattern.callback.console_action, world)
        if outcome == "allowed":
            continue
        got = browser.post(url_for(name, pattern, world, records), {}).status_code
        assert got == (404 if outcome == "hidden" else 403), (persona, name, got)
    assert AuditEvent.objects.count() == before


def test_anonymous_visitors_are_sent_to_the_console_sign_in(client, world, records):
    for name, pattern in console_facility_patterns():
        response = client.get(url_for(name, pattern, world, records))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("console:sign_in")), name


def test_a_password_without_the_second_factor_opens_nothing(client, world, records):
    client.force_login(world.administrator)
    for name, pattern in console_facility_patterns():
        response = client.get(url_for(name, pattern, world, records))
        assert response.status_code == 302, name
