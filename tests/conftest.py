"""Shared personas: a family, another family, an officer of this prison, an
officer of another prison, a supervisor and an administrator."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from apps.accounts.models import StaffRole, User
from apps.facilities.models import Facility
from apps.people.models import Prisoner, Visitor
from lib import sms
from tests import factories
from tests.clock import Clock


@dataclass
class World:
    facility: Facility
    other_facility: Facility
    prisoner: Prisoner
    family: Visitor  # an adult, approved contact of ``prisoner``
    other_family: Visitor  # an adult with no link to ``prisoner``
    officer: User
    other_officer: User  # an officer of ``other_facility`` only
    supervisor: User
    administrator: User


@pytest.fixture
def world(db) -> World:
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    other = factories.facility(name="Kunlun Prison", code="kunlun")
    prisoner = factories.prisoner(facility)
    family = factories.visitor(full_name="Ayshem Tursun")
    factories.contact(family, prisoner, relationship="spouse")
    other_family = factories.visitor(full_name="Wang Li")
    return World(
        facility=facility,
        other_facility=other,
        prisoner=prisoner,
        family=family,
        other_family=other_family,
        officer=factories.staff(facility, StaffRole.Role.OFFICER),
        other_officer=factories.staff(other, StaffRole.Role.OFFICER),
        supervisor=factories.staff(facility, StaffRole.Role.SUPERVISOR),
        administrator=factories.staff(facility, StaffRole.Role.ADMINISTRATOR),
    )


@pytest.fixture(autouse=True)
def clock(request) -> Iterator[Clock | None]:
    """Every test runs at an instant the suite names (tests/clock.py), not at today's date.

    Tests marked ``real_clock`` (their server runs in another process) keep the real one.
    """
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    hands = Clock()
    yield hands
    hands.stop()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The suite creates many users; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_messages():
    # Assertions read messages in English; tests of other languages override.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """SMS go to a list the test can read; rate-limit counters start empty."""
    settings.SMS_BACKEND = "lib.sms.MemoryBackend"
    sms.outbox.clear()
    cache.clear()
    return sms.outbox


@pytest.fixture
def client():
    """A browser that asks for English pages, so assertions can read them."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def console_as():
    """A browser signed in to the console as this user, second factor done."""

    def sign_in(user: User) -> Client:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        browser = Client(headers={"accept-language": "en"})
        browser.force_login(user)
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return browser

    return sign_in


@pytest.fixture
def api_token(world):
    """Issue an API token (write, acting as an officer, of ``world.facility`` unless told)."""
    from apps.api.tokens import api_token_issue

    def issue(facility=None, scope="write", role=StaffRole.Role.OFFICER) -> str:
        return api_token_issue(
            actor=None, facility=facility or world.facility, name="Records", scope=scope, role=role
        ).secret

    return issue


@pytest.fixture
def api():
    """A JSON client of /api/v1/: api.get(path, token=...), api.post(path, body, token=..., **headers)."""
    from tests.api_client import ApiClient

    return ApiClient()
