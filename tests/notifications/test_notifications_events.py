"""Each change a family must hear about queues exactly one message per phone, in its language."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.bookings.services import booking_create, booking_transition
from apps.facilities.services import closure_create
from apps.notifications.models import Message
from apps.notifications.render import message_text
from apps.people.models import Contact
from apps.people.services.contacts import contacts_decline_unanswered
from apps.worker.jobs import reminders_queue, scheduler_run
from tests import factories

Kind = Message.Kind


@pytest.fixture
def uyghur(world):
    world.family.preferred_language = "ug"
    world.family.save()
    return world


def book(world, *, video=False, days_ahead=3):
    slot = factories.slot(world.facility, video=video, days_ahead=days_ahead)
    return booking_create(
        actor=world.family.user,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="video" if video else "in_person",
        idempotency_key=uuid.uuid4().hex,
    )


def only(kind, **filters):
    messages = list(Message.objects.filter(kind=kind, **filters))
    assert len(messages) == 1, messages
    return messages[0]


def test_a_video_visit_starting_and_ended_early_are_told(uyghur):
    world = uyghur
    booking = book(world, video=True, days_ahead=1)
    booking_transition(actor=world.officer, booking=booking, status="in_progress")
    starting = only(Kind.VISIT_STARTING, booking=booking)
    assert starting.language == "ug"
    assert f"/family/visits/{booking.reference}/" in message_text(starting)
    booking_transition(
        actor=world.officer, booking=booking, status="ended_early", reason="Rules broken"
    )
    ended = only(Kind.ENDED_EARLY, booking=booking)
    assert (ended.language, ended.params["reason"]) == ("ug", "Rules broken")


def test_a_closure_is_told_as_a_closure(uyghur):
    world = uyghur
    booking = book(world)
    closure_create(
        actor=world.supervisor, facility=world.facility, date=booking.slot.date, reason="Lockdown"
    )
    message = only(Kind.CANCELLED_BY_PRISON, booking=booking)
    assert message.params["closure"] is True
    assert message.language == "ug"
    message.language = "en"  # read in English; the catalogues are the lead's work
    assert "there are no visits at \u2068Tianshan Prison\u2069" in message_text(message)  # isolated


def test_a_request_left_unanswered_is_declined_with_a_reason_once(world):
    asker = factories.visitor(preferred_language="zh-hans")
    contact = factories.contact(asker, world.prisoner, status=Contact.Status.PENDING)
    fresh = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - dt.timedelta(days=15))
    assert contacts_decline_unanswered() == 1
    assert contacts_decline_unanswered() == 0
    contact.refresh_from_db()
    assert contact.status == Contact.Status.REJECTED
    assert contact.decision_reason
    message = only(Kind.CONTACT_UNANSWERED, recipient=asker)
    assert message.language == "zh-hans"
    assert AuditEvent.objects.filter(action="contact.expired", target_id=str(contact.pk)).exists()
    fresh.refresh_from_db()
    assert fresh.status == Contact.Status.PENDING


def test_reminders_come_the_day_before_and_shortly_before_once_each(uyghur):
    world = uyghur
    booking = book(world, days_ahead=3)
    booking.__class__.objects.filter(pk=booking.pk).update(
        created_at=booking.starts_at - dt.timedelta(days=3)
    )
    assert reminders_queue(now=booking.starts_at - dt.timedelta(hours=30)) == 0
    day_before = booking.starts_at - dt.timedelta(hours=20)
    assert reminders_queue(now=day_before) == 1
    assert reminders_queue(now=day_before + dt.timedelta(minutes=5)) == 0
    assert only(Kind.REMINDER_DAY_BEFORE, booking=booking).language == "ug"
    soon = booking.starts_at - dt.timedelta(minutes=30)
    assert reminders_queue(now=soon) == 1
    assert reminders_queue(now=soon) == 0
    only(Kind.REMINDER_SOON, booking=booking)


def test_a_video_reminder_carries_the_join_link(world):
    booking = book(world, video=True)
    reminders_queue(now=booking.starts_at - dt.timedelta(minutes=10))
    text = message_text(only(Kind.REMINDER_SOON, booking=booking))
    assert f"http://127.0.0.1:8000/family/visits/{booking.reference}/" in text


def test_the_database_refuses_a_second_reminder(world):
    booking = book(world)
    Message.objects.create(
        recipient=world.family, booking=booking, kind=Kind.REMINDER_SOON, language="en"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            recipient=world.family, booking=booking, kind=Kind.REMINDER_SOON, language="en"
        )


def test_a_scheduler_tick_runs_every_job(world, sms_outbox):
    book(world)
    done = scheduler_run()
    assert set(done) == {
        "slots",
        "reminders",
        "contacts_declined",
        "holds_released",
        "offers",
        "recordings_deleted",
        "calls_settled",
        "messages",
    }
    assert done["messages"] == 1
    assert len(sms_outbox) == 1
