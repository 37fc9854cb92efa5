"""The console's roster: search, a prisoner's page, changes, transfer and release."""

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_create
from apps.facilities.models import Slot
from apps.notifications.models import Message
from apps.people.models import Prisoner
from apps.people.services import prisoner_change, prisoner_release, prisoner_transfer
from tests import factories


def url(world, name, *args):
    return reverse(f"console:{name}", args=[world.facility.code, *args])


def book(world, slot, prisoner=None):
    return booking_create(
        actor=world.family.user,
        slot_id=slot.pk,
        prisoner_id=(prisoner or world.prisoner).pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key=uuid.uuid4().hex,
    )


def counters(booking):
    return (
        Slot.objects.get(pk=booking.slot_id).booked_count,
        AllowanceUsage.objects.get(pk=booking.allowance_usage_id).used,
    )


# Who may see what ---------------------------------------------------------------------------

VIEWS = {
    # name: (needs a prisoner id, the role that may, a role that may not)
    "prisoners": (False, "officer", None),
    "prisoner": (True, "officer", None),
    "prisoner_change": (True, "supervisor", "officer"),
    "prisoner_transfer": (True, "supervisor", "officer"),
    "prisoner_release": (True, "administrator", "officer"),
    "roster_import": (False, "administrator", "supervisor"),
}


def view_url(world, name):
    with_id = VIEWS[name][0]
    return url(world, name, world.prisoner.pk) if with_id else url(world, name)


@pytest.mark.parametrize("name", VIEWS)
def test_each_page_opens_for_the_right_persona_only(world, console_as, client, name):
    _with_id, allowed_role, refused_role = VIEWS[name]
    address = view_url(world, name)
    assert console_as(getattr(world, allowed_role)).get(address).status_code == 200
    if refused_role:
        assert console_as(getattr(world, refused_role)).get(address).status_code == 403
    assert console_as(world.family.user).get(address).status_code == 404
    assert console_as(world.other_officer).get(address).status_code == 404
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))


def test_the_apply_step_is_refused_to_the_wrong_personas(world, console_as, client):
    address = url(world, "roster_import_apply")
    assert console_as(world.supervisor).post(address, {"digest": "x"}).status_code == 403
    assert console_as(world.family.user).post(address, {"digest": "x"}).status_code == 404
    assert console_as(world.other_officer).post(address, {"digest": "x"}).status_code == 404
    assert client.post(address, {"digest": "x"})["Location"].startswith(reverse("console:sign_in"))
    assert console_as(world.administrator).get(address).status_code == 405


def test_a_prisoner_of_another_prison_is_not_found(world, console_as):
    elsewhere = factories.prisoner(world.other_facility)
    browser = console_as(world.supervisor)
    for name in ("prisoner", "prisoner_change", "prisoner_transfer", "prisoner_release"):
        assert browser.get(url(world, name, elsewhere.pk)).status_code == 404
    response = browser.post(url(world, "prisoner_release", elsewhere.pk), {"reason": "x"})
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Prisoner.Status.IN_CUSTODY


# The roster ---------------------------------------------------------------------------------


def test_search_by_number_or_name_any_case(world, console_as):
    factories.prisoner(world.facility, number="B77001", full_name="Memet Rozi")
    factories.prisoner(world.facility, number="B77002", full_name="Li Ming")
    factories.prisoner(world.other_facility, number="B77003", full_name="Memet Other")
    browser = console_as(world.officer)
    page = browser.get(url(world, "prisoners"), {"q": "memet"}).text
    assert "Memet Rozi" in page and "Li Ming" not in page and "Memet Other" not in page
    page = browser.get(url(world, "prisoners"), {"q": "b7700"}).text
    assert "Memet Rozi" in page and "Li Ming" in page and "B77003" not in page


def test_filters_by_unit_level_and_status(world, console_as):
    strict = factories.level(world.facility, name="Strict")
    a = factories.prisoner(world.facility, full_name="Unit Nine", unit="9")
    b = factories.prisoner(world.facility, full_name="Strict One", level=strict)
    c = factories.prisoner(world.facility, full_name="Gone Home", status="released")
    browser = console_as(world.officer)
    listed = lambda **q: browser.get(url(world, "prisoners"), q).context["page"].object_list  # noqa: E731
    assert list(listed(unit="9")) == [a]
    assert list(listed(level=strict.pk)) == [b]
    assert list(listed(status="released")) == [c]
    assert c not in listed(status="in_custody")
    # A filter value that is not a choice is refused on the page, not silently half-applied.
    response = browser.get(url(world, "prisoners"), {"level": "99999"})
    assert "Select a valid choice" in response.text


def test_the_roster_is_paginated_with_bounded_queries(
    world, console_as, django_assert_max_num_queries
):
    level = world.prisoner.level
    Prisoner.objects.bulk_create(
        Prisoner(
            facility=world.facility,
            number=f"Z{n:05d}",
            full_name=f"Person {n}",
            unit=str(n % 7),
            level=level,
            sentence_start=dt.date(2020, 1, 1),
        )
        for n in range(120)
    )
    browser = console_as(world.officer)
    browser.get(url(world, "prisoners"))  # warm the session
    with django_assert_max_num_queries(8):
        response = browser.get(url(world, "prisoners"), {"page": 2, "q": "person"})
    page = response.context["page"]
    assert len(page.object_list) == 50 and page.number == 2
    assert "page=3" in response.text and "q=person" in response.text


def test_a_prisoners_page_shows_stage_allowance_contacts_and_visits(
    world, console_as, django_assert_max_num_queries, clock
):
    clock.move_to("2026-06-26 10:00")
    slot = factories.slot(world.facility, days_ahead=3)  # 29 June: this month
    booking = book(world, slot)
    book(world, factories.slot(world.facility, days_ahead=6))  # 2 July: next month's allowance
    browser = console_as(world.officer)
    browser.get(url(world, "prisoners"))  # warm the session
    with django_assert_max_num_queries(14):
        response = browser.get(url(world, "prisoner", world.prisoner.pk))
    page = response.text
    assert world.prisoner.full_name in page
    assert "Middle stage" in page
    assert "left this month" in page
    assert world.family.full_name in page
    assert booking.reference in page
    assert "Asia/Shanghai" in page  # times are labelled with the prison's zone
    left = dict(response.context["allowances"])["In-person visit"]
    assert left.allowance.start == dt.date(2026, 6, 1)
    assert (left.allowance.limit, left.left) == (2, 1)
    assert "Transfer" not in page  # an officer may look, not change


# Changes ------------------------------------------------------------------------------------


def change_form(world, **overrides):
    prisoner = world.prisoner
    data = {
        "level": prisoner.level_id,
        "unit": prisoner.unit,
        "legal_status": prisoner.legal_status,
        "sentence_start": prisoner.sentence_start.isoformat(),
        "sentence_end": prisoner.sentence_end.isoformat(),
    }
    data.update(overrides)
    return data


def test_a_supervisor_changes_level_and_unit_with_an_audit_of_before_and_after(world, console_as):
    kinder = factories.level(world.facility, code="kind", name="Lenient")
    old_code = world.prisoner.level.code
    response = console_as(world.supervisor).post(
        url(world, "prisoner_change", world.prisoner.pk),
        change_form(world, level=kinder.pk, unit="12"),
    )
    assert response.status_code == 302
    world.prisoner.refresh_from_db()
    assert (world.prisoner.level, world.prisoner.unit) == (kinder, "12")
    event = AuditEvent.objects.get(action="prisoner.change")
    assert event.data == {
        "before": {"unit": "1", "level": old_code},
        "after": {"unit": "12", "level": "kind"},
    }


def test_an_indeterminate_sentence_clears_the_end(world, console_as):
    console_as(world.supervisor).post(
        url(world, "prisoner_change", world.prisoner.pk), change_form(world, sentence_end="")
    )
    world.prisoner.refresh_from_db()
    assert world.prisoner.sentence_end is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sentence_end": "2000-01-01"}, "The sentence must end after it starts."),
        ({"sentence_start": ""}, "A sentenced prisoner needs the date the sentence started."),
        ({"legal_status": "pardoned"}, "Select a valid choice"),
        ({"unit": "x" * 61}, "at most 60 characters"),
    ],
)
def test_a_bad_change_is_refused_on_the_page_and_nothing_is_written(
    world, console_as, overrides, message
):
    before = Prisoner.objects.values().get(pk=world.prisoner.pk)
    response = console_as(world.supervisor).post(
        url(world, "prisoner_change", world.prisoner.pk), change_form(world, **overrides)
    )
    assert response.status_code == 200
    assert message in response.text
    assert Prisoner.objects.values().get(pk=world.prisoner.pk) == before
    assert not AuditEvent.objects.filter(action="prisoner.change").exists()


def test_a_level_of_another_prison_is_refused(world, console_as):
    foreign = factories.level(world.other_facility)
    with pytest.raises(ValidationError) as info:
        prisoner_change(actor=world.supervisor, prisoner=world.prisoner, level=foreign)
    assert info.value.code == "level_facility"
    response = console_as(world.supervisor).post(
        url(world, "prisoner_change", world.prisoner.pk), change_form(world, level=foreign.pk)
    )
    assert "Select a valid choice" in response.text
    world.prisoner.refresh_from_db()
    assert world.prisoner.level != foreign


def test_the_service_refuses_end_before_start_and_sentenced_without_start(world):
    remand = factories.prisoner(
        world.facility, legal_status="remand", sentence_start=None, sentence_end=None
    )
    with pytest.raises(ValidationError) as info:
        prisoner_change(actor=world.supervisor, prisoner=remand, legal_status="sentenced")
    assert info.value.code == "sentence_start_required"
    with pytest.raises(ValidationError) as info:
        prisoner_change(
            actor=world.supervisor,
            prisoner=world.prisoner,
            sentence_end=world.prisoner.sentence_start,
        )
    assert info.value.code == "sentence_end_before_start"
    assert not AuditEvent.objects.filter(action="prisoner.change").exists()


def test_an_officer_cannot_change_through_the_service_either(world):
    for intruder in (world.officer, world.other_officer, world.family.user):
        with pytest.raises(PermissionDenied):
            prisoner_change(actor=intruder, prisoner=world.prisoner, unit="9")
        with pytest.raises(PermissionDenied):
            prisoner_release(actor=intruder, prisoner=world.prisoner, reason="x")


def test_nothing_changed_writes_nothing(world):
    prisoner_change(actor=world.supervisor, prisoner=world.prisoner, unit=world.prisoner.unit)
    assert not AuditEvent.objects.filter(action="prisoner.change").exists()


# Transfer and release -----------------------------------------------------------------------


def test_release_cancels_future_bookings_returns_allowances_and_tells_families(world, console_as):
    bookings = [book(world, factories.slot(world.facility, days_ahead=d)) for d in (2, 3)]
    usages = AllowanceUsage.objects.filter(pk__in=[b.allowance_usage_id for b in bookings])
    assert sum(u.used for u in usages) == 2  # one or two months, as the dates fall
    other = factories.prisoner(world.facility)
    factories.contact(world.family, other)
    untouched = book(world, factories.slot(world.facility, days_ahead=5), prisoner=other)
    browser = console_as(world.supervisor)
    page = browser.get(url(world, "prisoner_release", world.prisoner.pk)).text
    assert "2 booked visits still to come will be cancelled" in page
    response = browser.post(
        url(world, "prisoner_release", world.prisoner.pk),
        {"released_on": world.facility.local_today().isoformat(), "reason": "Sentence served"},
    )
    assert response.status_code == 302
    world.prisoner.refresh_from_db()
    assert world.prisoner.status == Prisoner.Status.RELEASED
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert booking.status_reason == "Sentence served"
        assert Slot.objects.get(pk=booking.slot_id).booked_count == 0
    assert sum(u.used for u in usages.all()) == 0
    messages = Message.objects.filter(kind="cancelled_by_prison")
    assert {m.booking_id for m in messages} == {b.pk for b in bookings}
    assert Booking.objects.get(pk=untouched.pk).status == BookingStatus.BOOKED
    event = AuditEvent.objects.get(action="prisoner.released")
    assert sorted(event.data["cancelled"]) == sorted(b.reference for b in bookings)


def test_transfer_cancels_future_bookings_and_records_the_destination(world):
    booking = book(world, factories.slot(world.facility))
    prisoner_transfer(
        actor=world.administrator,
        prisoner=world.prisoner,
        destination="Kashgar Prison",
        reason="Moved nearer to family",
    )
    world.prisoner.refresh_from_db()
    booking.refresh_from_db()
    assert world.prisoner.status == Prisoner.Status.TRANSFERRED
    assert booking.status == BookingStatus.CANCELLED
    assert counters(booking) == (0, 0)
    assert Message.objects.filter(kind="cancelled_by_prison", booking=booking).count() == 1
    event = AuditEvent.objects.get(action="prisoner.transferred")
    assert event.data["destination"] == "Kashgar Prison"


def test_a_released_prisoner_can_no_longer_be_booked(world):
    prisoner_release(actor=world.supervisor, prisoner=world.prisoner, reason="Served")
    with pytest.raises(ValidationError):
        book(world, factories.slot(world.facility))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("prisoner_transfer", {"destination": "", "reason": "x"}, "This field is required."),
        (
            "prisoner_transfer",
            {"destination": "Kashgar", "reason": "  "},
            "This field is required.",
        ),
        (
            "prisoner_release",
            {"released_on": "2999-01-01", "reason": "Served"},
            "Record a release on the day it happens",
        ),
        ("prisoner_release", {"released_on": "not a date", "reason": "x"}, "Enter a valid date."),
    ],
)
def test_bad_leaving_input_is_refused_and_nothing_changes(world, console_as, name, data, message):
    booking = book(world, factories.slot(world.facility))
    response = console_as(world.supervisor).post(url(world, name, world.prisoner.pk), data)
    assert response.status_code == 200
    assert message in response.text
    world.prisoner.refresh_from_db()
    booking.refresh_from_db()
    assert world.prisoner.status == Prisoner.Status.IN_CUSTODY
    assert booking.status == BookingStatus.BOOKED
    assert not AuditEvent.objects.filter(action__startswith="prisoner.").exists()


def test_leaving_needs_a_reason_and_a_prisoner_still_held(world):
    with pytest.raises(ValidationError) as info:
        prisoner_release(actor=world.supervisor, prisoner=world.prisoner, reason=" ")
    assert info.value.code == "reason_required"
    with pytest.raises(ValidationError) as info:
        prisoner_transfer(
            actor=world.supervisor, prisoner=world.prisoner, destination="", reason="x"
        )
    assert info.value.code == "destination_required"
    prisoner_release(actor=world.supervisor, prisoner=world.prisoner, reason="Served")
    with pytest.raises(ValidationError) as info:
        prisoner_transfer(
            actor=world.supervisor, prisoner=world.prisoner, destination="Elsewhere", reason="x"
        )
    assert info.value.code == "not_in_custody"
    assert AuditEvent.objects.filter(action__startswith="prisoner.").count() == 1


def test_a_visit_already_begun_is_not_cancelled_by_a_release(world):
    booking = book(world, factories.slot(world.facility))
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=booking.starts_at - dt.timedelta(days=30),
        ends_at=booking.ends_at - dt.timedelta(days=30),
    )
    prisoner_release(actor=world.supervisor, prisoner=world.prisoner, reason="Served")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


@pytest.mark.parametrize(("language", "direction"), [("zh-hans", "ltr"), ("ug", "rtl")])
def test_the_pages_work_in_each_language(world, console_as, language, direction):
    browser = console_as(world.administrator)
    for name in VIEWS:
        response = browser.get(view_url(world, name), headers={"accept-language": language})
        assert response.status_code == 200
        assert f'lang="{language}" dir="{direction}"' in response.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite"
    and connection.settings_dict["TEST"].get("NAME") in (None, ":memory:"),
    reason="threads need a shared database: PostgreSQL or a SQLite file (set SQLITE_TEST_NAME)",
)
def test_a_booking_racing_a_release_never_survives_it(world):
    """Whoever wins the prisoner's row lock, no booked visit outlives the release."""
    slots = [factories.slot(world.facility, days_ahead=d) for d in (2, 4, 6)]
    barrier = threading.Barrier(len(slots) + 1)
    errors = []

    def attempt(action):
        try:
            barrier.wait()
            action()
        except ValidationError:
            pass  # a booking refused because the prisoner has gone
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    actions = [lambda s=s: book(world, s) for s in slots]
    actions.append(
        lambda: prisoner_release(actor=world.supervisor, prisoner=world.prisoner, reason="Served")
    )
    threads = [threading.Thread(target=attempt, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Prisoner.objects.get(pk=world.prisoner.pk).status == Prisoner.Status.RELEASED
    assert not Booking.objects.filter(prisoner=world.prisoner, status=BookingStatus.BOOKED).exists()
    assert all(s.booked_count == 0 for s in Slot.objects.filter(pk__in=[s.pk for s in slots]))
    assert not AllowanceUsage.objects.filter(prisoner=world.prisoner, used__gt=0).exists()
