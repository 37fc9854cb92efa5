"""The family's request pages and the console's allocation pages, including who is refused."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.allocation.models import AllocationRequest, AllocationRun, RequestWindow
from apps.allocation.services import request_submit, window_close, window_open
from apps.audit.models import AuditEvent
from apps.bookings.models import Booking
from apps.facilities.models import Facility
from tests import factories


@pytest.fixture
def window(world):
    world.facility.booking_mode = Facility.BookingMode.REQUESTS
    world.facility.save(update_fields=["booking_mode"])
    factories.slot(world.facility, days_ahead=3, capacity=1)
    factories.slot(world.facility, days_ahead=4, capacity=1)
    today = world.facility.local_today()
    return window_open(
        actor=world.supervisor,
        facility=world.facility,
        kind="in_person",
        first_day=today,
        last_day=today + dt.timedelta(days=7),
    )


def slots(window):
    return list(window.slots.order_by("starts_at"))


def new_url(window, prisoner):
    return reverse("portal:request_new", args=[window.pk, prisoner.pk])


def ask(world, window):
    return request_submit(
        actor=world.family.user,
        window_id=window.pk,
        prisoner_id=world.prisoner.pk,
        slot_ids=[s.pk for s in slots(window)],
        visitor_ids=[world.family.pk],
    )


# --------------------------------------------------------------------------- family pages


def test_the_family_sees_the_open_window_and_ranks_times(client, world, window):
    client.force_login(world.family.user)
    listing = client.get(reverse("portal:requests"))
    assert "Rank times for a visit" in listing.text
    first, second = slots(window)
    form = client.get(new_url(window, world.prisoner))
    assert form.status_code == 200 and "First choice" in form.text
    response = client.post(
        new_url(window, world.prisoner),
        {"choice_1": second.pk, "choice_2": first.pk, "visitors": [world.family.pk]},
    )
    assert response.status_code == 302
    request = AllocationRequest.objects.get()
    assert [c.slot for c in request.choices.order_by("rank")] == [second, first]
    assert "Waiting for the allocation" in client.get(reverse("portal:requests")).text


def test_a_duplicate_choice_is_refused_on_the_page_and_nothing_is_written(client, world, window):
    client.force_login(world.family.user)
    first, _second = slots(window)
    response = client.post(
        new_url(window, world.prisoner),
        {"choice_1": first.pk, "choice_2": first.pk, "visitors": [world.family.pk]},
    )
    assert response.status_code == 200
    assert "Each time can be chosen only once." in response.text
    assert AllocationRequest.objects.count() == 0


def test_a_time_of_another_prison_cannot_even_be_posted(client, world, window):
    client.force_login(world.family.user)
    elsewhere = factories.slot(world.other_facility, days_ahead=3)
    response = client.post(
        new_url(window, world.prisoner), {"choice_1": elsewhere.pk, "visitors": [world.family.pk]}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert AllocationRequest.objects.count() == 0


def test_the_wrong_family_and_anonymous_visitors_are_refused(client, world, window):
    request = ask(world, window)
    urls = [reverse("portal:requests"), new_url(window, world.prisoner)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("portal:sign_in") in response["Location"]
    client.force_login(world.other_family.user)
    assert client.get(new_url(window, world.prisoner)).status_code == 404
    withdraw = reverse("portal:request_withdraw", args=[request.pk])
    assert client.post(withdraw).status_code == 404
    assert world.prisoner.full_name not in client.get(reverse("portal:requests")).text
    request.refresh_from_db()
    assert request.status == AllocationRequest.Status.PENDING


def test_the_family_withdraws_its_request(client, world, window):
    request = ask(world, window)
    client.force_login(world.family.user)
    client.post(reverse("portal:request_withdraw", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == AllocationRequest.Status.WITHDRAWN


def test_a_closed_window_takes_no_request(client, world, window):
    window_close(actor=world.supervisor, window=window)
    client.force_login(world.family.user)
    assert client.get(new_url(window, world.prisoner)).status_code == 404


# --------------------------------------------------------------------------- console pages


def console_url(world, name="allocation"):
    return reverse(f"console:{name}", args=[world.facility.code])


def test_a_supervisor_runs_a_window_from_open_to_published(console_as, world, client):
    browser = console_as(world.supervisor)
    browser.post(console_url(world, "allocation_mode"), {"booking_mode": "requests"})
    factories.slot(world.facility, days_ahead=3, capacity=1)
    today = world.facility.local_today()
    response = browser.post(
        console_url(world, "allocation_open"),
        {
            "kind": "in_person",
            "first_day": today.isoformat(),
            "last_day": (today + dt.timedelta(days=7)).isoformat(),
            "max_choices": 3,
        },
    )
    window = RequestWindow.objects.get()
    assert response.status_code == 302
    ask(world, window)
    browser.post(console_url(world, "allocation_close"), {"window": window.pk})
    browser.post(console_url(world, "allocation_preview"), {"window": window.pk})
    run = AllocationRun.objects.get()
    page = browser.get(console_url(world) + f"?window={window.pk}")
    assert "Preview: nothing is booked yet" in page.text and "requests met" in page.text
    assert Booking.objects.count() == 0
    browser.post(console_url(world, "allocation_publish"), {"run": run.pk})
    assert Booking.objects.count() == 1
    assert "Published allocation" in browser.get(console_url(world) + f"?window={window.pk}").text
    client.force_login(world.family.user)
    family_page = client.get(reverse("portal:requests"))
    assert "A seat was allocated at your first choice." in family_page.text


def test_an_unmet_family_is_told_why_and_offered_the_waitlist(console_as, world, client, window):
    rival = factories.prisoner(world.facility)
    rival_family = factories.visitor()
    factories.contact(rival_family, rival)
    first, _second = slots(window)
    for visitor, prisoner in ((world.family, world.prisoner), (rival_family, rival)):
        request_submit(
            actor=visitor.user,
            window_id=window.pk,
            prisoner_id=prisoner.pk,
            slot_ids=[first.pk],
            visitor_ids=[visitor.pk],
        )
    # The family's prisoner had visits lately, the other none: the seat goes to the other.
    for days in (10, 20):
        Booking.objects.create(
            reference=f"R{days}",
            facility=world.facility,
            slot=first,
            prisoner=world.prisoner,
            kind="in_person",
            status="completed",
            starts_at=first.starts_at - dt.timedelta(days=days),
            ends_at=first.ends_at - dt.timedelta(days=days),
            created_by=world.officer,
            idempotency_key=f"past-{days}",
            request_fingerprint="x",
            allowance_override_reason="history",
        )
    browser = console_as(world.supervisor)
    browser.post(console_url(world, "allocation_close"), {"window": window.pk})
    browser.post(console_url(world, "allocation_preview"), {"window": window.pk})
    browser.post(console_url(world, "allocation_publish"), {"run": AllocationRun.objects.get().pk})
    client.force_login(world.family.user)
    page = client.get(reverse("portal:requests"))
    assert "went to prisoners who have had fewer family visits recently" in page.text
    assert "waitlist" in page.text


@pytest.mark.parametrize(
    ("persona", "view", "manage"),
    [
        ("other_officer", 404, 404),
        ("officer", 200, 403),
        ("administrator", 200, 302),
    ],
)
def test_console_personas(console_as, world, window, persona, view, manage):
    browser = console_as(getattr(world, persona))
    assert browser.get(console_url(world) + f"?window={window.pk}").status_code == view
    before = AuditEvent.objects.count()
    got = browser.post(console_url(world, "allocation_close"), {"window": window.pk})
    assert got.status_code == manage
    window.refresh_from_db()
    closed = window.status == RequestWindow.Status.CLOSED
    assert closed == (manage == 302)
    assert (AuditEvent.objects.count() > before) == closed


def test_a_family_member_is_not_let_into_the_console(console_as, world, window):
    browser = console_as(world.family.user)
    assert browser.get(console_url(world)).status_code == 404


def test_the_request_list_costs_a_fixed_number_of_queries(
    client, world, window, django_assert_max_num_queries
):
    client.force_login(world.family.user)
    ask(world, window)
    for _ in range(3):
        prisoner = factories.prisoner(world.facility)
        factories.contact(world.family, prisoner)
        request_submit(
            actor=world.family.user,
            window_id=window.pk,
            prisoner_id=prisoner.pk,
            slot_ids=[slots(window)[0].pk],
            visitor_ids=[world.family.pk],
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:requests"))
    assert response.text.count("allocation-request") == 4
