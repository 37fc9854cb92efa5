"""The sender: delivers once, in the family's language, retries with backoff, gives up visibly."""

import datetime as dt
import smtplib
import uuid

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from icalendar import Calendar

from apps.audit.models import AuditEvent
from apps.bookings.services import booking_create
from apps.notifications import render
from apps.notifications.delivery import (
    message_bounced,
    message_deliver,
    messages_deliver_due,
    retry_delay,
)
from apps.notifications.models import Message
from apps.notifications.render import message_text
from apps.notifications.services import message_queue
from lib import sms
from tests import factories

State = Message.State


def book(world, visitors=None, slot=None):
    return booking_create(
        actor=world.family.user,
        slot_id=(slot or factories.slot(world.facility)).pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[v.pk for v in visitors or [world.family]],
        kind="video" if slot is not None and slot.is_video else "in_person",
        idempotency_key=uuid.uuid4().hex,
    )


class Flaky(sms.SmsBackend):
    def send(self, message):
        raise ConnectionError("provider timed out")


class Refusing(sms.SmsBackend):
    def send(self, message):
        raise sms.RejectedNumber("not a mobile number")


class Bouncing:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.invalid": (550, b"no such user")})


def test_a_message_is_sent_once_with_its_id_as_the_key(world, sms_outbox):
    message = book(world).messages.get()
    assert message_deliver(message_id=message.pk) == State.SENT
    assert message_deliver(message_id=message.pk) is None  # not this sender's to send again
    message.refresh_from_db()
    assert (message.state, message.attempts, message.sent_at is not None) == (State.SENT, 1, True)
    assert [(s.to, s.key) for s in sms_outbox] == [(world.family.phone, message.idempotency_key)]
    assert message.booking.reference[:4] in sms_outbox[0].body


def test_a_lapsed_lease_resends_only_through_the_idempotent_path(world, sms_outbox):
    """A sender died after the phone got the SMS but before it was recorded: no second SMS."""
    message = book(world).messages.get()
    now = timezone.now()
    sms.send_sms(world.family.phone, "first try", key=message.idempotency_key)
    Message.objects.filter(pk=message.pk).update(
        state=State.SENDING, attempts=1, lease_until=now - dt.timedelta(seconds=1)
    )
    assert messages_deliver_due(now=now) == 1
    message.refresh_from_db()
    assert message.state == State.SENT
    assert len(sms_outbox) == 1


def test_a_live_lease_is_left_alone(world, sms_outbox):
    message = book(world).messages.get()
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(
        state=State.SENDING, attempts=1, lease_until=now + dt.timedelta(minutes=1)
    )
    assert message_deliver(message_id=message.pk, now=now) is None
    assert sms_outbox == []


def test_retries_back_off_then_give_up(world, settings):
    settings.SMS_BACKEND = f"{__name__}.Flaky"
    settings.MESSAGE_MAX_ATTEMPTS = 4
    settings.MESSAGE_RETRY_BASE_SECONDS = 60
    message = book(world).messages.get()
    now = timezone.now()
    waits = []
    for _attempt in range(3):
        assert message_deliver(message_id=message.pk, now=now) == State.FAILED
        message.refresh_from_db()
        waits.append(message.next_attempt_at - now)
        # Not due yet: a sweep before the next attempt time leaves it alone.
        assert message_deliver(message_id=message.pk, now=now) is None
        now = message.next_attempt_at
    assert waits == [dt.timedelta(seconds=s) for s in (60, 120, 240)]
    assert message_deliver(message_id=message.pk, now=now) == State.GAVE_UP
    message.refresh_from_db()
    assert (message.attempts, message.next_attempt_at) == (4, None)
    assert "provider timed out" in message.last_error
    assert retry_delay(5) == dt.timedelta(seconds=60 * 16)


def test_a_rejected_number_gives_up_at_once_with_the_reason(world, settings):
    settings.SMS_BACKEND = f"{__name__}.Refusing"
    message = book(world).messages.get()
    assert message_deliver(message_id=message.pk) == State.GAVE_UP
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error == "RejectedNumber: not a mobile number"
    assert messages_deliver_due() == 0  # no retry storm
    assert AuditEvent.objects.filter(action="message.gave_up", target_id=str(message.pk)).exists()


def test_an_email_carries_the_visit_calendar_in_the_family_language(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.family.email = "ayshem@example.invalid"
    world.family.preferred_language = "zh-hans"
    world.family.save()
    booking = book(world)
    email = booking.messages.get(channel=Message.Channel.EMAIL)
    assert booking.messages.filter(channel=Message.Channel.SMS).count() == 1
    assert message_deliver(message_id=email.pk) == State.SENT
    (sent,) = mail.outbox
    assert sent.to == ["ayshem@example.invalid"]
    assert sent.extra_headers["Message-ID"] == f"<{email.idempotency_key}@visitline>"
    name, content, mimetype = sent.attachments[0]
    assert (name, mimetype) == (f"{booking.reference}.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert "现场会见" in str(event["summary"])


def test_a_bounced_email_is_given_up_and_shown(world, settings):
    settings.EMAIL_BACKEND = f"{__name__}.Bouncing"
    world.family.email = "x@example.invalid"
    world.family.save()
    email = book(world).messages.get(channel=Message.Channel.EMAIL)
    assert message_deliver(message_id=email.pk) == State.GAVE_UP
    email.refresh_from_db()
    assert "no such user" in email.last_error


def test_a_bounce_reported_later_is_recorded(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.family.email = "x@example.invalid"
    world.family.save()
    email = book(world).messages.get(channel=Message.Channel.EMAIL)
    message_deliver(message_id=email.pk)
    bounced = message_bounced(message_id=email.pk, reason="550 mailbox unavailable")
    assert (bounced.state, bounced.last_error) == (
        State.GAVE_UP,
        "Bounced: 550 mailbox unavailable",
    )
    assert AuditEvent.objects.filter(action="message.bounced").count() == 1


@pytest.mark.parametrize(
    ("handed_off", "outcome", "sent"), [(True, State.GAVE_UP, 0), (False, State.SENT, 1)]
)
def test_an_email_whose_sender_died_is_never_sent_twice_nor_lost_before_hand_over(
    world, settings, handed_off, outcome, sent
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.family.email = "x@example.invalid"
    world.family.save()
    email = book(world).messages.get(channel=Message.Channel.EMAIL)
    now = timezone.now()
    Message.objects.filter(pk=email.pk).update(
        state=State.SENDING,
        attempts=1,
        lease_until=now - dt.timedelta(seconds=1),
        handed_off_at=now - dt.timedelta(seconds=5) if handed_off else None,
    )
    assert message_deliver(message_id=email.pk, now=now) == outcome
    assert len(mail.outbox) == sent


@pytest.mark.parametrize(
    ("language", "words"),
    [("ug", "يۈزتۇرانە كۆرۈشۈش"), ("zh-hans", "现场会见"), ("en", "In-person visit")],
)
def test_a_message_renders_in_its_recipients_language_whatever_is_active(
    world, monkeypatch, language, words
):
    # A sentence the catalogues already translate stands in for the message's own.
    monkeypatch.setitem(render._TEXTS, "contact_approved", gettext_lazy("In-person visit"))
    world.family.preferred_language = language
    world.family.save()
    message = message_queue(recipient=world.family, kind="contact_approved", prisoner="X")
    assert message.language == language
    assert message_text(message) == words
    assert translation.get_language() == "en"  # the active language is left as it was


def test_a_family_sets_its_email_on_the_profile(world, client):
    client.force_login(world.family.user)
    response = client.post(
        "/family/profile/", {"preferred_language": "en", "email": "ayshem@example.invalid"}
    )
    assert response.status_code == 302
    world.family.refresh_from_db()
    assert world.family.email == "ayshem@example.invalid"
    client.post("/family/profile/", {"preferred_language": "en", "email": ""})
    world.family.refresh_from_db()
    assert world.family.email == ""
