"""The visit hall's day: the list by time and room, check-in against documents, outcomes, print."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.accounts.permissions import ACTIONS, EVERY_ROLE
from apps.audit.models import AuditEvent
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.services import booking_cancel, booking_check_in, booking_create
from apps.facilities.models import Slot
from tests import factories


def visit(world, *, starts_in=dt.timedelta(minutes=-1), prisoner=None, party=None, **slot_fields):
    """A booked in-person visit moved to start ``starts_in`` from now (by default just begun)."""
    prisoner = prisoner or world.prisoner
    party = party or [world.family]
    slot = factories.slot(world.facility, days_ahead=1, **slot_fields)
    booking = booking_create(
        actor=world.officer,
        slot_id=slot.pk,
        prisoner_id=prisoner.pk,
        visitor_ids=[v.pk for v in party],
        kind="video" if slot.is_video else "in_person",
        idempotency_key=uuid.uuid4().hex,
    )
    start = timezone.now() + starts_in
    end = start + dt.timedelta(minutes=45)
    Slot.objects.filter(pk=slot.pk).update(
        date=start.astimezone(world.facility.zone).date(), starts_at=start, ends_at=end
    )
    Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=end)
    return Booking.objects.select_related("slot").get(pk=booking.pk)


def child_of(world, name="Mehmet Tursun"):
    child = factories.visitor(full_name=name, born=dt.date(2016, 3, 4), with_user=False)
    factories.contact(child, world.prisoner, relationship="child")
    return child


def day_url(world, booking=None):
    url = reverse("console:hall", args=[world.facility.code])
    return f"{url}?date={booking.slot.date.isoformat()}" if booking else url


def url(world, name, booking):
    return reverse(f"console:hall_{name}", args=[world.facility.code, booking.reference])


def documents(*visitors, **overrides):
    data = {f"visitor_{v.pk}": v.document_number for v in visitors}
    data.update(overrides)
    return data


def unchanged(booking):
    """What a refused hall action must leave as it was."""
    booking.refresh_from_db()
    return booking.status, AuditEvent.objects.count()


# --- who may see and do what ---------------------------------------------------------------


def test_the_visit_hall_is_every_staff_roles_work():
    # No role lacks the action, so there is no 403 to test; the other refusals follow.
    assert ACTIONS["visit_hall"] == EVERY_ROLE


@pytest.mark.parametrize("persona", ["officer", "supervisor", "administrator"])
@pytest.mark.parametrize("name", ["hall", "hall_print"])
def test_every_staff_role_sees_the_day(world, console_as, persona, name):
    booking = visit(world)
    response = console_as(getattr(world, persona)).get(
        reverse(f"console:{name}", args=[world.facility.code]),
        {"date": booking.slot.date.isoformat()},
    )
    assert response.status_code == 200
    assert booking.reference in response.text


@pytest.mark.parametrize("name", ["hall", "hall_print"])
def test_outsiders_never_see_the_day(world, console_as, client, name):
    target = reverse(f"console:{name}", args=[world.facility.code])
    assert console_as(world.family.user).get(target).status_code == 404
    assert console_as(world.other_officer).get(target).status_code == 404
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("check_in", None),
        ("status", {"status": "no_show"}),
        ("end_early", {"reason": "Shouting"}),
    ],
)
def test_outsiders_cannot_act_on_a_visit(world, console_as, client, name, data):
    booking = visit(world)
    target = url(world, name, booking)
    data = data or documents(world.family)
    before = unchanged(booking)
    assert console_as(world.family.user).post(target, data).status_code == 404
    assert console_as(world.other_officer).post(target, data).status_code == 404
    response = client.post(target, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))
    assert unchanged(booking) == before


def test_a_visit_of_another_prison_is_not_found(world, console_as):
    other_prisoner = factories.prisoner(world.other_facility)
    relative = factories.visitor()
    factories.contact(relative, other_prisoner)
    slot = factories.slot(world.other_facility)
    theirs = booking_create(
        actor=world.other_officer,
        slot_id=slot.pk,
        prisoner_id=other_prisoner.pk,
        visitor_ids=[relative.pk],
        kind="in_person",
        idempotency_key="theirs",
    )
    browser = console_as(world.officer)
    assert browser.get(url(world, "check_in", theirs)).status_code == 404
    assert browser.post(url(world, "status", theirs), {"status": "no_show"}).status_code == 404


def test_the_status_action_takes_posts_only(world, console_as):
    booking = visit(world)
    assert console_as(world.officer).get(url(world, "status", booking)).status_code == 405


# --- the day -------------------------------------------------------------------------------


def test_the_day_lists_in_person_visits_by_time_and_room(world, console_as):
    child = child_of(world)
    room = factories.room(world.facility, name="Room East")
    booking = visit(world, party=[world.family, child], room=room)
    video = visit(world, video=True, start=dt.time(15, 0), starts_in=dt.timedelta(hours=3))
    cancelled_prisoner = factories.prisoner(world.facility, number="P-GONE")
    relative = factories.visitor()
    factories.contact(relative, cancelled_prisoner)
    cancelled = visit(world, prisoner=cancelled_prisoner, party=[relative])
    booking_cancel(actor=world.officer, booking=cancelled, reason="Lockdown")
    page = console_as(world.officer).get(day_url(world, booking)).text
    prisoner = world.prisoner
    for shown in (booking.reference, prisoner.number, prisoner.full_name, "Room East"):
        assert shown in page
    assert f"Unit {prisoner.unit}" in page
    # Each name isolated from the sentence around it (a Uyghur name in an English line).
    assert "<bdi>Ayshem Tursun</bdi>, age" in page and "<bdi>Mehmet Tursun</bdi>, age " in page
    assert world.family.document_masked in page and "Resident ID card" in page
    assert world.family.document_number not in page
    assert "Booked" in page
    assert video.reference not in page  # video visits are not the hall's
    assert cancelled.reference not in page
    assert "style=" not in page and "onclick" not in page and "<script" not in page


def test_the_day_is_read_in_a_bounded_number_of_queries(
    world, console_as, django_assert_max_num_queries
):
    room = factories.room(world.facility)
    first = visit(world, room=room)
    browser = console_as(world.officer)
    browser.get(day_url(world, first))  # warm the session
    for _ in range(6):
        prisoner = factories.prisoner(world.facility)
        relatives = [factories.visitor(), factories.visitor(born=dt.date(2015, 1, 1))]
        for relative in relatives:
            factories.contact(relative, prisoner)
        visit(world, prisoner=prisoner, party=relatives, room=room)
    with django_assert_max_num_queries(10):
        page = browser.get(day_url(world, first))
    assert page.text.count('class="ref"') == 7


def test_an_unreadable_date_says_so_and_shows_today(world, console_as):
    response = console_as(world.officer).get(day_url(world), {"date": "31-02-2026"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.text
    today = world.facility.local_today()
    assert response.context["day"] == today


def test_the_print_page_lists_the_day_with_masked_documents_and_a_signature_column(
    world, console_as
):
    child = child_of(world)
    booking = visit(world, party=[world.family, child])
    page = console_as(world.officer).get(
        reverse("console:hall_print", args=[world.facility.code]),
        {"date": booking.slot.date.isoformat()},
    )
    text = page.text
    assert page.status_code == 200
    for shown in (booking.reference, world.prisoner.number, "Ayshem Tursun", "Mehmet Tursun"):
        assert shown in text
    assert world.family.document_masked in text and child.document_masked in text
    assert world.family.document_number not in text
    assert "Signature" in text
    # Minimal chrome: no console menu on the sheet.
    assert reverse("console:approvals", args=[world.facility.code]) not in text


# --- check-in against the documents --------------------------------------------------------


def test_check_in_with_the_right_documents_is_audited_without_the_numbers(world, console_as):
    child = child_of(world)
    booking = visit(world, party=[world.family, child])
    # Officers type what they see: spaces are forgiven.
    typed = " ".join([world.family.document_number[:6], world.family.document_number[6:]])
    response = console_as(world.officer).post(
        url(world, "check_in", booking), documents(child, **{f"visitor_{world.family.pk}": typed})
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN
    assert booking.status_changed_by == world.officer
    event = AuditEvent.objects.get(action="booking.checked_in", target_id=str(booking.pk))
    assert event.actor == world.officer
    recorded = str(event.data)
    for visitor in (world.family, child):
        assert visitor.document_number not in recorded
        assert visitor.document_number[-4:] not in recorded
        assert visitor.document_digest not in recorded


def test_the_check_in_page_shows_a_field_for_each_visitor_with_the_masked_document(
    world, console_as
):
    child = child_of(world)
    booking = visit(world, party=[world.family, child])
    page = console_as(world.officer).get(url(world, "check_in", booking)).text
    assert "Document number of Ayshem Tursun" in page
    assert "Document number of Mehmet Tursun" in page
    assert world.family.document_masked in page
    assert world.family.document_number not in page


def test_a_wrong_number_names_the_visitor_and_changes_nothing(world, console_as):
    child = child_of(world)
    booking = visit(world, party=[world.family, child])
    stranger = factories.resident_id(dt.date(1980, 5, 17))  # valid, but someone else's
    before = unchanged(booking)
    response = console_as(world.officer).post(
        url(world, "check_in", booking),
        documents(world.family, **{f"visitor_{child.pk}": stranger}),
    )
    assert response.status_code == 200
    assert (
        "The number typed for Mehmet Tursun does not match the identity document they registered with."
        in response.text
    )
    assert "Ayshem Tursun does not match" not in response.text
    assert unchanged(booking) == before


def test_an_invalid_or_missing_number_names_the_visitor_and_changes_nothing(world, console_as):
    child = child_of(world)
    booking = visit(world, party=[world.family, child])
    broken = world.family.document_number[:-1] + (
        "0" if world.family.document_number[-1] != "0" else "1"
    )
    before = unchanged(booking)
    response = console_as(world.officer).post(
        url(world, "check_in", booking),
        {f"visitor_{world.family.pk}": broken, f"visitor_{child.pk}": ""},
    )
    assert response.status_code == 200
    assert "The number typed for Ayshem Tursun is not a valid document number." in response.text
    assert "Type the document number of Mehmet Tursun." in response.text
    assert unchanged(booking) == before


def test_check_in_is_refused_to_anyone_but_staff_of_the_facility(world):
    booking = visit(world)
    for intruder in (world.family.user, world.other_officer):
        with pytest.raises(PermissionDenied):
            booking_check_in(
                actor=intruder, booking=booking, documents={world.family.pk: "anything"}
            )
    assert unchanged(booking)[0] == BookingStatus.BOOKED


def test_check_in_is_for_the_day_of_the_visit_only(world):
    booking = visit(world, starts_in=dt.timedelta(days=2))
    with pytest.raises(ValidationError) as info:
        booking_check_in(
            actor=world.officer,
            booking=booking,
            documents={world.family.pk: world.family.document_number},
        )
    assert info.value.code == "too_early"
    assert unchanged(booking)[0] == BookingStatus.BOOKED


def test_a_visitor_matched_by_another_visitors_document_is_refused(world):
    """Each number is compared with its own visitor's document, not with anyone's."""
    child = child_of(world)
    booking = visit(world, party=[world.family, child])
    with pytest.raises(ValidationError) as info:
        booking_check_in(
            actor=world.officer,
            booking=booking,
            documents={world.family.pk: child.document_number, child.pk: child.document_number},
        )
    assert [e.code for e in info.value.error_list] == ["document_mismatch"]
    assert "Ayshem Tursun" in info.value.messages[0]


# --- what happened -------------------------------------------------------------------------


def test_a_visit_goes_from_check_in_to_completed(world, console_as):
    booking = visit(world)
    browser = console_as(world.officer)
    browser.post(url(world, "check_in", booking), documents(world.family))
    response = browser.post(url(world, "status", booking), {"status": "in_progress"}, follow=True)
    assert "is now marked “In progress”" in response.text
    browser.post(url(world, "status", booking), {"status": "completed"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    actions = list(
        AuditEvent.objects.filter(target_id=str(booking.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["booking.checked_in", "booking.in_progress", "booking.completed"]


def test_no_show_before_the_start_is_refused_with_a_clear_message(world, console_as):
    booking = visit(world, starts_in=dt.timedelta(hours=2))
    before = unchanged(booking)
    response = console_as(world.officer).post(
        url(world, "status", booking), {"status": "no_show"}, follow=True
    )
    assert "This visit has not started yet." in response.text
    assert unchanged(booking) == before


def test_no_show_once_the_start_has_passed(world, console_as):
    booking = visit(world)
    console_as(world.officer).post(url(world, "status", booking), {"status": "no_show"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
    assert AuditEvent.objects.filter(action="booking.no_show", actor=world.officer).exists()


def test_a_visit_cannot_start_before_its_visitors_are_checked_in(world, console_as):
    booking = visit(world)
    before = unchanged(booking)
    response = console_as(world.officer).post(
        url(world, "status", booking), {"status": "in_progress"}, follow=True
    )
    assert "cannot be marked In progress from the hall" in response.text
    assert unchanged(booking) == before


def test_an_unknown_status_is_refused(world, console_as):
    booking = visit(world)
    before = unchanged(booking)
    response = console_as(world.officer).post(
        url(world, "status", booking), {"status": "teleported"}, follow=True
    )
    assert "Select a valid choice." in response.text
    assert unchanged(booking) == before


def test_ending_early_needs_a_reason(world, console_as):
    booking = visit(world)
    browser = console_as(world.officer)
    browser.post(url(world, "check_in", booking), documents(world.family))
    browser.post(url(world, "status", booking), {"status": "in_progress"})
    before = unchanged(booking)
    response = browser.post(url(world, "end_early", booking), {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert unchanged(booking) == before
    browser.post(url(world, "end_early", booking), {"reason": "Passed a note"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ENDED_EARLY
    assert booking.status_reason == "Passed a note"


def test_a_visit_that_has_not_started_cannot_be_ended_early(world, console_as):
    booking = visit(world)
    before = unchanged(booking)
    response = console_as(world.officer).post(url(world, "end_early", booking), {"reason": "Rude"})
    assert response.status_code == 200
    assert "cannot become Ended early" in response.text
    assert unchanged(booking) == before


@pytest.mark.parametrize(("language", "direction"), [("zh-hans", "ltr"), ("ug", "rtl")])
@pytest.mark.parametrize("name", ["hall", "hall_print", "hall_check_in"])
def test_the_hall_works_in_every_language(world, console_as, language, direction, name):
    booking = visit(world)
    args = [world.facility.code] + ([booking.reference] if name == "hall_check_in" else [])
    response = console_as(world.officer).get(
        reverse(f"console:{name}", args=args),
        {"date": booking.slot.date.isoformat()},
        headers={"accept-language": language},
    )
    assert response.status_code == 200
    assert f'lang="{language}" dir="{direction}"' in response.text
