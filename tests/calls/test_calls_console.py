"""Supervising video visits in the console: today's calls, custody, warnings, ends, legal visits."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.bookings.models import BookingStatus
from apps.calls.models import Call
from apps.calls.services import (
    call_acknowledge_disclosure,
    call_confirm_custody,
    call_end,
    call_join,
    call_media_report,
    call_warn,
)
from apps.calls.services.calls import device_user
from apps.notifications.models import Message
from tests import factories
from tests.calls_support import world_call


def url(world, name: str, call: Call | None = None) -> str:
    args = [world.facility.code] + ([call.booking.reference] if call else [])
    return reverse(f"console:{name}", args=args)


@pytest.fixture
def call(world) -> Call:
    return world_call(world)


@pytest.fixture
def legal(world) -> Call:
    return world_call(world, kind="legal", prisoner=factories.prisoner(world.facility))


def test_the_day_lists_video_visits_with_their_actions(world, console_as, call, legal):
    page = console_as(world.officer).get(url(world, "video"))
    assert page.status_code == 200
    assert "Video visits" in page.text  # the menu entry
    assert call.booking.reference in page.text and legal.booking.reference in page.text
    assert url(world, "video_watch", call) in page.text
    assert url(world, "video_custody", call) in page.text
    # A legal visit is listed, but nothing that would watch, warn or end it is offered;
    # confirming who is at the terminal observes nothing, so it stays.
    assert "Legal visit: confidential" in page.text
    for name in ("video_watch", "video_warn", "video_end", "video_recording"):
        assert url(world, name, legal) not in page.text
    assert url(world, "video_custody", legal) in page.text


def test_an_officer_confirms_the_person_at_the_terminal(world, console_as, call):
    response = console_as(world.officer).post(url(world, "video_custody", call))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.custody_confirmed_by == world.officer
    assert AuditEvent.objects.filter(action="call.custody_confirmed").count() == 1


def test_legal_visits_cannot_be_watched_or_acted_on(world, console_as, legal):
    browser = console_as(world.supervisor)
    for name in ("video_watch", "video_warn", "video_end", "video_recording"):
        assert browser.get(url(world, name, legal)).status_code == 404
        posted = browser.post(url(world, name, legal), {"text": "x", "reason": "x"})
        assert posted.status_code == 404
    # The services refuse as well, whatever the caller.
    for attempt in (
        lambda: call_warn(actor=world.supervisor, call=legal, text="Quiet"),
        lambda: call_end(actor=world.supervisor, call=legal, reason="Because"),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    legal.refresh_from_db()
    assert legal.ended_at is None
    assert not legal.supervised and not legal.recorded
    # Who is at the terminal is still confirmed: the lawyer is connected only after it.
    assert browser.post(url(world, "video_custody", legal)).status_code == 302
    legal.refresh_from_db()
    assert legal.custody_confirmed_by == world.supervisor


def test_an_unsupervised_visit_cannot_be_watched_or_warned(world, console_as):
    world.facility.visits_supervised = False
    world.facility.save()
    call = world_call(world)
    browser = console_as(world.officer)
    page = browser.get(url(world, "video"))
    assert url(world, "video_watch", call) not in page.text
    assert url(world, "video_end", call) in page.text
    for name in ("video_watch", "video_warn"):
        assert browser.get(url(world, name, call)).status_code == 404
    with pytest.raises(PermissionDenied):
        call_warn(actor=world.officer, call=call, text="Quiet")


def test_a_legal_call_can_never_be_marked_supervised_or_recorded(legal):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=legal.pk).update(recorded=True)


def test_a_warning_needs_text_and_is_audited(world, console_as, call):
    browser = console_as(world.officer)
    page = browser.post(url(world, "video_warn", call), {"text": "   "})
    assert page.status_code == 200 and "This field is required." in page.text
    assert not AuditEvent.objects.filter(action="call.warning").exists()
    response = browser.post(url(world, "video_warn", call), {"text": "No phones near the screen"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="call.warning")
    assert event.data["text"] == "No phones near the screen"


def test_ending_a_visit_needs_a_reason_that_the_family_is_told(world, console_as, call):
    call_acknowledge_disclosure(actor=world.family.user, call=call)
    call_confirm_custody(actor=world.officer, call=call)
    call_join(call=call, role="family")
    call_media_report(actor=device_user(call.terminal), call=call, state="flowing")
    browser = console_as(world.officer)
    page = browser.post(url(world, "video_end", call), {"reason": ""})
    assert page.status_code == 200
    call.refresh_from_db()
    assert call.ended_at is None

    browser.post(url(world, "video_end", call), {"reason": "Showed a written note to the camera"})
    call.refresh_from_db()
    assert call.end_reason == "officer" and call.end_note == "Showed a written note to the camera"
    call.booking.refresh_from_db()
    assert call.booking.status == BookingStatus.ENDED_EARLY
    told = Message.objects.get(booking=call.booking, kind=Message.Kind.ENDED_EARLY, channel="sms")
    assert told.params["reason"] == "Showed a written note to the camera"
    assert AuditEvent.objects.filter(action="call.end", actor=world.officer).exists()


def test_the_watch_page_is_for_officers_of_the_facility(world, console_as, call):
    page = console_as(world.officer).get(url(world, "video_watch", call))
    assert page.status_code == 200
    assert 'id="call-config"' in page.text
    assert console_as(world.other_officer).get(url(world, "video_watch", call)).status_code == 404


def test_the_day_costs_the_same_queries_for_one_call_or_many(world, console_as, call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = console_as(world.officer)

    def queries() -> int:
        browser.get(url(world, "video"))  # the first visit makes the calls
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(url(world, "video")).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(3):
        world_call(world, prisoner=factories.prisoner(world.facility))
    assert queries() == one
