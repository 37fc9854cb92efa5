"""Staff see a booking's messages and what could not be delivered; nobody else does."""

import uuid

import pytest
from django.urls import reverse

from apps.bookings.services import booking_create
from apps.notifications.delivery import message_deliver
from apps.notifications.models import Message
from lib import sms
from tests import factories


class Refusing(sms.SmsBackend):
    def send(self, message):
        raise sms.RejectedNumber("number not in service")


@pytest.fixture
def booking(world):
    return booking_create(
        actor=world.family.user,
        slot_id=factories.slot(world.facility).pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key=uuid.uuid4().hex,
    )


def urls(world, booking):
    code = world.facility.code
    return [
        reverse("console:booking_messages", args=[code, booking.reference]),
        reverse("console:messages_undelivered", args=[code]),
    ]


def test_an_officer_sees_the_history_and_a_given_up_message(world, console_as, booking, settings):
    settings.SMS_BACKEND = f"{__name__}.Refusing"
    message = booking.messages.get()
    message_deliver(message_id=message.pk)
    officer = console_as(world.officer)
    history, undelivered = (officer.get(url) for url in urls(world, booking))
    for page in (history, undelivered):
        assert page.status_code == 200
        assert "Could not be delivered" in page.text
        assert "RejectedNumber: number not in service" in page.text
    assert "Visit booked" in history.text
    assert booking.reference in undelivered.text


def test_the_check_in_page_links_to_the_history(world, console_as, booking):
    page = console_as(world.officer).get(
        reverse("console:hall_check_in", args=[world.facility.code, booking.reference])
    )
    assert reverse("console:booking_messages", args=[world.facility.code, booking.reference]) in (
        page.text
    )


def test_another_prison_and_families_see_nothing(world, console_as, client, booking):
    for url in urls(world, booking):
        assert console_as(world.other_officer).get(url).status_code == 404
        assert console_as(world.family.user).get(url).status_code == 404
        anonymous = client.get(url)
        assert anonymous.status_code == 302
        assert reverse("console:sign_in") in anonymous.url


def test_a_booking_of_another_prison_is_not_found(world, console_as):
    prisoner = factories.prisoner(world.other_facility)
    visitor = factories.visitor()
    factories.contact(visitor, prisoner)
    elsewhere = booking_create(
        actor=visitor.user,
        slot_id=factories.slot(world.other_facility).pk,
        prisoner_id=prisoner.pk,
        visitor_ids=[visitor.pk],
        kind="in_person",
        idempotency_key="elsewhere",
    )
    url = reverse("console:booking_messages", args=[world.facility.code, elsewhere.reference])
    assert console_as(world.officer).get(url).status_code == 404
    assert Message.objects.filter(booking=elsewhere).exists()
