"""Booking on a family's behalf: find the prisoner, a time, the party; going past an allowance."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.selectors import slot_options
from apps.bookings.services import booking_cancel, booking_create
from apps.facilities.models import Slot
from apps.notifications.models import Message
from apps.people.models import Prisoner
from apps.policy.kinds import VisitKind
from tests import factories

REASON = "Mother travelling 2000 km; her only chance this month"


def one_visit_a_month(world):
    level = factories.level(world.facility, in_person_per_month=1, video_per_month=1)
    Prisoner.objects.filter(pk=world.prisoner.pk).update(level=level)


def used_up(world):
    """The prisoner's in-person allowance for the month of two slots, spent on the first."""
    one_visit_a_month(world)
    first = factories.slot(world.facility, days_ahead=1, start=dt.time(9, 0))
    booking_create(
        actor=world.family.user,
        slot_id=first.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind=VisitKind.IN_PERSON,
        idempotency_key="first",
    )
    return factories.slot(world.facility, days_ahead=2, start=dt.time(15, 0))  # same month


def create(world, slot, *, actor, reason="", key=None, visitors=None):
    return booking_create(
        actor=actor,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[v.pk for v in visitors or [world.family]],
        kind=VisitKind.VIDEO if slot.is_video else VisitKind.IN_PERSON,
        idempotency_key=key or uuid.uuid4().hex,
        allowance_override_reason=reason,
    )


def written():
    """What a refused booking must leave unchanged."""
    return (
        Booking.objects.count(),
        AuditEvent.objects.count(),
        Message.objects.count(),
        list(Slot.objects.order_by("pk").values_list("booked_count", flat=True)),
        list(AllowanceUsage.objects.order_by("pk").values_list("used", flat=True)),
    )


def search_url(world):
    return reverse("console:book", args=[world.facility.code])


def times_url(world, prisoner=None):
    return reverse(
        "console:book_times", args=[world.facility.code, (prisoner or world.prisoner).pk]
    )


def confirm_url(world, slot, name="book_confirm", prisoner=None):
    return reverse(
        f"console:{name}", args=[world.facility.code, (prisoner or world.prisoner).pk, slot.pk]
    )


def party(world, key="key-1", **extra):
    return {"visitors": [world.family.pk], "request_key": key, **extra}


# --- who may see and do what ---------------------------------------------------------------


def urls(world, slot, booking):
    return {
        "search": search_url(world),
        "times": times_url(world),
        "confirm": confirm_url(world, slot),
        "override": confirm_url(world, slot, "book_override"),
        "done": reverse("console:book_done", args=[world.facility.code, booking.reference]),
    }


@pytest.fixture
def pages(world):
    slot = factories.slot(world.facility, start=dt.time(11, 0))
    booking = create(world, factories.slot(world.facility), actor=world.officer)
    return urls(world, slot, booking)


@pytest.mark.parametrize("name", ["search", "times", "confirm", "done"])
@pytest.mark.parametrize("persona", ["officer", "supervisor", "administrator"])
def test_every_staff_role_books_for_families(world, console_as, pages, name, persona):
    assert console_as(getattr(world, persona)).get(pages[name]).status_code == 200


@pytest.mark.parametrize("persona", ["supervisor", "administrator"])
def test_seniors_may_open_the_override(world, console_as, pages, persona):
    assert console_as(getattr(world, persona)).get(pages["override"]).status_code == 200


def test_an_officer_gets_403_on_the_override(world, console_as, pages):
    assert console_as(world.officer).get(pages["override"]).status_code == 403


@pytest.mark.parametrize("name", ["search", "times", "confirm", "override", "done"])
def test_outsiders_never_book(world, console_as, client, pages, name):
    before = written()
    for browser in (console_as(world.family.user), console_as(world.other_officer)):
        assert browser.get(pages[name]).status_code == 404
        assert browser.post(pages[name], party(world, reason=REASON)).status_code == 404
    response = client.post(pages[name], party(world, reason=REASON))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))
    assert written() == before


def test_a_prisoner_or_slot_of_another_prison_is_not_found(world, console_as):
    theirs = factories.prisoner(world.other_facility)
    their_slot = factories.slot(world.other_facility)
    ours = factories.slot(world.facility)
    browser = console_as(world.supervisor)
    assert browser.get(times_url(world, theirs)).status_code == 404
    assert browser.get(confirm_url(world, ours, prisoner=theirs)).status_code == 404
    assert browser.get(confirm_url(world, their_slot)).status_code == 404
    assert browser.post(confirm_url(world, their_slot), party(world)).status_code == 404
    assert Booking.objects.count() == 0


# --- finding the prisoner and a time -------------------------------------------------------


def test_search_finds_prisoners_of_this_prison_by_number_or_name(
    world, console_as, django_assert_max_num_queries
):
    Prisoner.objects.filter(pk=world.prisoner.pk).update(number="A1001", full_name="Abdulla Kerim")
    factories.prisoner(world.facility, number="A1002", full_name="Other Man")
    factories.prisoner(world.other_facility, number="A1003", full_name="Abdulla Elsewhere")
    factories.prisoner(world.facility, number="A1004", full_name="Abdulla Gone", status="released")
    browser = console_as(world.officer)
    browser.get(search_url(world))
    with django_assert_max_num_queries(8):
        by_number = browser.get(search_url(world), {"q": "a100"}).text
    assert "A1001" in by_number and "A1002" in by_number
    assert "A1003" not in by_number and "A1004" not in by_number
    by_name = browser.get(search_url(world), {"q": "abdulla"}).text
    assert "Abdulla Kerim" in by_name
    assert "Abdulla Elsewhere" not in by_name and "Abdulla Gone" not in by_name
    nothing = browser.get(search_url(world), {"q": "zzz"}).text
    assert "No prisoner in custody here matches “zzz”." in nothing


def test_the_times_page_lists_open_dates_and_times(world, console_as):
    slot = factories.slot(world.facility, days_ahead=2, start=dt.time(10, 30))
    browser = console_as(world.officer)
    page = browser.get(times_url(world)).text
    assert slot.date.strftime("%Y") in page
    page = browser.get(times_url(world), {"kind": "in_person", "date": slot.date.isoformat()}).text
    assert "10:30" in page
    assert confirm_url(world, slot) in page


def test_an_unreadable_date_on_the_times_page_says_so(world, console_as):
    page = console_as(world.officer).get(times_url(world), {"date": "soon"}).text
    assert "Enter a valid date." in page


def test_a_used_up_allowance_is_shown_but_leaves_times_open_to_an_override(world, console_as):
    later = used_up(world)
    page = console_as(world.officer).get(times_url(world), {"date": later.date.isoformat()}).text
    assert "The allowance is used up" in page
    assert confirm_url(world, later) in page


def test_staff_preview_without_a_visitor_keeps_the_family_preview_as_it_was(world):
    later = used_up(world)
    prisoner = Prisoner.objects.select_related("facility", "level").get(pk=world.prisoner.pk)
    family = slot_options(prisoner=prisoner, kind="in_person", day=later.date, visitor=world.family)
    staff = slot_options(prisoner=prisoner, kind="in_person", day=later.date, count_allowance=False)
    reasons = {o.starts_at: str(o.reason) for o in family}
    assert reasons[later.starts_at] == "No visits of this kind are left in this period."
    assert {o.starts_at: str(o.reason) for o in staff}[later.starts_at] == ""


# --- confirming ----------------------------------------------------------------------------


def test_an_officer_books_for_a_family(world, console_as):
    slot = factories.slot(world.facility)
    browser = console_as(world.officer)
    page = browser.get(confirm_url(world, slot)).text
    assert 'type="hidden" name="request_key"' in page
    response = browser.post(confirm_url(world, slot), party(world))
    booking = Booking.objects.get()
    assert response["Location"] == reverse(
        "console:book_done", args=[world.facility.code, booking.reference]
    )
    assert booking.created_by == world.officer
    assert list(booking.visitors.all()) == [world.family]
    assert booking.allowance_usage is not None and booking.allowance_override_reason == ""
    done = browser.get(response["Location"]).text
    assert booking.reference in done
    event = AuditEvent.objects.get(action="booking.create")
    assert event.actor == world.officer
    assert "allowance_override_reason" not in event.data


def test_a_double_submit_books_once(world, console_as):
    slot = factories.slot(world.facility)
    browser = console_as(world.officer)
    first = browser.post(confirm_url(world, slot), party(world, key="same"))
    second = browser.post(confirm_url(world, slot), party(world, key="same"))
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    assert Slot.objects.get(pk=slot.pk).booked_count == 1


def test_a_refusal_is_shown_on_the_page_and_writes_nothing(world, console_as):
    slot = factories.slot(world.facility, capacity=1)
    rival = factories.prisoner(world.facility)
    rival_family = factories.visitor()
    factories.contact(rival_family, rival)
    booking_create(
        actor=world.officer,
        slot_id=slot.pk,
        prisoner_id=rival.pk,
        visitor_ids=[rival_family.pk],
        kind="in_person",
        idempotency_key="rival",
    )
    before = written()
    response = console_as(world.officer).post(confirm_url(world, slot), party(world))
    assert response.status_code == 200
    assert "This time is full. Please choose another." in response.text
    assert written() == before


def test_no_party_chosen_is_refused_on_the_page(world, console_as):
    slot = factories.slot(world.facility)
    before = written()
    response = console_as(world.officer).post(confirm_url(world, slot), {"request_key": "k"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert written() == before


def test_only_approved_family_contacts_can_be_chosen(world, console_as):
    slot = factories.slot(world.facility)
    before = written()
    response = console_as(world.officer).post(
        confirm_url(world, slot), {"visitors": [world.other_family.pk], "request_key": "k"}
    )
    assert "is not one of the available choices" in response.text
    assert written() == before


# --- going past the allowance --------------------------------------------------------------


def test_an_officer_is_told_a_supervisor_must_authorise(world, console_as):
    later = used_up(world)
    before = written()
    browser = console_as(world.officer)
    response = browser.post(confirm_url(world, later), party(world))
    assert "has no in-person visits left that month" in response.text
    assert "Only a supervisor or an administrator can authorise a visit past the allowance" in (
        response.text
    )
    assert confirm_url(world, later, "book_override") not in response.text
    override = browser.post(confirm_url(world, later, "book_override"), party(world, reason=REASON))
    assert override.status_code == 403
    assert written() == before


def test_the_service_refuses_an_officers_override(world):
    later = used_up(world)
    before = written()
    for actor in (world.officer, world.family.user, world.other_officer):
        with pytest.raises(PermissionDenied):
            create(world, later, actor=actor, reason=REASON)
    assert written() == before


def test_a_supervisor_books_past_the_allowance_with_a_reason(world, console_as):
    later = used_up(world)
    usage = AllowanceUsage.objects.get(prisoner=world.prisoner)
    assert usage.used == usage.allowed == 1
    browser = console_as(world.supervisor)
    refused = browser.post(confirm_url(world, later), party(world, key="k-9"))
    assert "has no in-person visits left that month" in refused.text
    assert confirm_url(world, later, "book_override") in refused.text  # the override form
    response = browser.post(
        confirm_url(world, later, "book_override"), party(world, key="k-9", reason=REASON)
    )
    booking = Booking.objects.get(slot=later)
    assert response["Location"].endswith(f"/{booking.reference}/")
    assert booking.allowance_usage is None
    assert booking.allowance_override_reason == REASON
    assert AllowanceUsage.objects.get(pk=usage.pk).used == 1
    assert Slot.objects.get(pk=later.pk).booked_count == 1
    event = AuditEvent.objects.get(action="booking.create", target_id=str(booking.pk))
    assert event.actor == world.supervisor
    assert event.data["allowance_override_reason"] == REASON
    assert REASON in browser.get(response["Location"]).text


def test_an_override_double_submit_books_once(world, console_as):
    later = used_up(world)
    browser = console_as(world.administrator)
    target = confirm_url(world, later, "book_override")
    browser.post(target, party(world, key="twice", reason=REASON))
    browser.post(target, party(world, key="twice", reason=REASON))
    assert Booking.objects.filter(slot=later).count() == 1


def test_an_override_without_a_reason_is_refused(world, console_as):
    later = used_up(world)
    before = written()
    response = console_as(world.supervisor).post(
        confirm_url(world, later, "book_override"), party(world, reason="   ")
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert written() == before
    with pytest.raises(ValidationError) as blank:
        create(world, later, actor=world.supervisor, reason="   ")
    assert blank.value.code == "override_reason_required"
    with pytest.raises(ValidationError) as none:
        create(world, later, actor=world.supervisor, reason="")
    assert none.value.code == "allowance_used"
    assert written() == before


def test_every_other_rule_still_applies_to_an_override(world):
    later = used_up(world)
    Slot.objects.filter(pk=later.pk).update(capacity=0)
    before = written()
    with pytest.raises(ValidationError) as full:
        create(world, later, actor=world.supervisor, reason=REASON)
    assert full.value.code == "slot_full"
    stranger = factories.visitor()
    Slot.objects.filter(pk=later.pk).update(capacity=5)
    with pytest.raises(ValidationError) as unapproved:
        create(world, later, actor=world.supervisor, reason=REASON, visitors=[stranger])
    assert unapproved.value.code == "contact_not_approved"
    assert written() == before


def test_an_override_with_allowance_left_counts_as_usual(world):
    one_visit_a_month(world)
    booking = create(world, factories.slot(world.facility), actor=world.supervisor, reason=REASON)
    assert booking.allowance_usage is not None and booking.allowance_usage.used == 1
    assert booking.allowance_override_reason == ""


def test_cancelling_an_override_frees_the_seat_and_returns_no_allowance(world):
    later = used_up(world)
    booking = create(world, later, actor=world.supervisor, reason=REASON)
    booking_cancel(actor=world.officer, booking=booking, reason="Family phoned")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=later.pk).booked_count == 0
    assert AllowanceUsage.objects.get(prisoner=world.prisoner).used == 1


def test_the_database_refuses_a_family_visit_neither_counted_nor_overridden(world):
    slot = factories.slot(world.facility)
    fields = {
        "facility": world.facility,
        "slot": slot,
        "prisoner": world.prisoner,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "created_by": world.officer,
        "request_fingerprint": "-",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            reference="DIRECT01", kind="in_person", idempotency_key="a", **fields
        )
    with transaction.atomic():
        Booking.objects.create(
            reference="DIRECT02",
            kind="legal",
            idempotency_key="b",
            **fields,
        )
    assert Booking.objects.filter(reference="DIRECT02").exists()


def test_the_database_accepts_an_overridden_family_visit(world):
    slot = factories.slot(world.facility, video=True)
    Booking.objects.create(
        reference="DIRECT03",
        kind="video",
        facility=world.facility,
        slot=slot,
        prisoner=world.prisoner,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        created_by=world.officer,
        idempotency_key="c",
        request_fingerprint="-",
        allowance_override_reason=REASON,
    )
    assert Booking.objects.filter(reference="DIRECT03").exists()


@pytest.mark.parametrize(("language", "direction"), [("zh-hans", "ltr"), ("ug", "rtl")])
def test_booking_on_behalf_works_in_every_language(world, console_as, pages, language, direction):
    browser = console_as(world.supervisor)
    for name in ("search", "times", "confirm", "override", "done"):
        response = browser.get(pages[name], headers={"accept-language": language})
        assert response.status_code == 200
        assert f'lang="{language}" dir="{direction}"' in response.text
