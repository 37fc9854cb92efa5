"""The audit trail: seniors of the facility read it, filtered by record, person, action and time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.selectors import AuditFilters, audit_events_for
from apps.audit.services import audit_record
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def event_at(monkeypatch, when, **fields):
    """An audit event written at a chosen moment (``at`` is set by the database layer on save)."""
    monkeypatch.setattr(timezone, "now", lambda: when)
    try:
        return audit_record(**fields)
    finally:
        monkeypatch.undo()


@pytest.fixture
def trail(world, monkeypatch):
    """A handful of events at known local times, by known people, on known records."""
    contact = world.family.contacts.get()
    return {
        "contact": event_at(
            monkeypatch,
            dt.datetime(2030, 1, 10, 23, 30, tzinfo=SHANGHAI),  # 15:30 UTC: still the 10th here
            actor=world.officer,
            action="contact.approved",
            target=contact,
            facility_id=world.facility.pk,
            reason="",
        ),
        "prisoner": event_at(
            monkeypatch,
            dt.datetime(2030, 1, 11, 0, 30, tzinfo=SHANGHAI),  # 16:30 UTC on the 10th
            actor=world.supervisor,
            action="prisoner.change",
            target=world.prisoner,
            facility_id=world.facility.pk,
            unit={"from": "1", "to": "2"},
        ),
        "restriction": event_at(
            monkeypatch,
            dt.datetime(2030, 1, 12, 9, 0, tzinfo=SHANGHAI),
            actor=world.supervisor,
            action="restriction.create",
            target=world.family,
            facility_id=world.facility.pk,
            reason="Passed a phone across the table",
        ),
        "elsewhere": event_at(
            monkeypatch,
            dt.datetime(2030, 1, 12, 10, 0, tzinfo=SHANGHAI),
            actor=world.other_officer,
            action="contact.approved",
            target=world.other_family,
            facility_id=world.other_facility.pk,
            reason="Kunlun secret",
        ),
    }


def audit_url(world, facility=None):
    return reverse("console:audit", args=[(facility or world.facility).code])


def rows(response):
    return response.text.count('<tr id="event-')


def listed(response, trail):
    return {name for name, event in trail.items() if f'id="event-{event.pk}"' in response.text}


# --- who may read it -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "administrator"])
def test_seniors_read_the_trail(world, console_as, trail, persona):
    response = console_as(getattr(world, persona)).get(audit_url(world))
    assert response.status_code == 200
    assert "Passed a phone across the table" in response.text


def test_officers_may_not(world, console_as, trail):
    assert console_as(world.officer).get(audit_url(world)).status_code == 403


def test_outsiders_get_nothing(world, console_as, client, trail):
    url = audit_url(world)
    assert console_as(world.family.user).get(url).status_code == 404
    assert console_as(world.other_officer).get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))


def test_a_senior_of_another_prison_sees_none_of_this_facilitys_events(world, console_as, trail):
    kunlun_supervisor = factories.staff(world.other_facility, "supervisor")
    browser = console_as(kunlun_supervisor)
    assert browser.get(audit_url(world)).status_code == 404
    theirs = browser.get(audit_url(world, world.other_facility))
    assert theirs.status_code == 200
    assert "Kunlun secret" in theirs.text
    assert "Passed a phone across the table" not in theirs.text
    assert rows(theirs) == 1
    # Filtering by a record of this facility finds nothing there either.
    probe = browser.get(
        audit_url(world, world.other_facility),
        {"target_type": "people.prisoner", "target_id": world.prisoner.pk},
    )
    assert "No events match." in probe.text


def test_the_trail_cannot_be_changed_through_the_console(world, console_as, trail):
    before = list(AuditEvent.objects.values_list("pk", "action", "data"))
    assert console_as(world.administrator).post(audit_url(world)).status_code == 405
    assert list(AuditEvent.objects.values_list("pk", "action", "data")) == before
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(facility=world.facility).delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(facility=world.facility).update(action="x")
    with pytest.raises(TypeError):
        trail["contact"].delete()


# --- what it shows ---------------------------------------------------------------------------


def test_events_are_newest_first_in_local_time_with_their_details(world, console_as, trail):
    text = console_as(world.supervisor).get(audit_url(world)).text
    order = [
        text.index(f'id="event-{trail[name].pk}"')
        for name in ("restriction", "prisoner", "contact")
    ]
    assert order == sorted(order)
    assert "Jan. 10, 2030 23:30:00" in text  # local, not UTC's 15:30
    assert "Times in Asia/Shanghai." in text
    assert "<dt>reason</dt><dd>Passed a phone across the table</dd>" in text
    assert (
        "<dt>unit</dt><dd>{&quot;from&quot;: &quot;1&quot;, &quot;to&quot;: &quot;2&quot;}</dd>"
        in text
    )
    assert world.supervisor.username in text
    assert "Kunlun secret" not in text


def test_the_list_reads_in_a_fixed_number_of_queries(
    world, console_as, monkeypatch, django_assert_max_num_queries
):
    for n in range(30):
        event_at(
            monkeypatch,
            timezone.now() - dt.timedelta(minutes=n),
            actor=(world.officer, world.supervisor, None)[n % 3],
            action="booking.create",
            target=world.prisoner,
            facility_id=world.facility.pk,
            n=n,
        )
    browser = console_as(world.supervisor)
    with django_assert_max_num_queries(8):
        response = browser.get(audit_url(world), {"action": "booking"})
    assert rows(response) == 30
    assert "the system" in response.text


def test_fifty_events_a_page(world, console_as, monkeypatch):
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(60):
        event_at(
            monkeypatch,
            start + dt.timedelta(minutes=n),
            actor=world.officer,
            action="booking.create",
            target=world.prisoner,
            facility_id=world.facility.pk,
            n=n,
        )
    browser = console_as(world.supervisor)
    first = browser.get(audit_url(world), {"action": "booking."})
    assert rows(first) == 50
    assert "Page 1 of 2" in first.text
    assert "<dt>n</dt><dd>59</dd>" in first.text  # newest first
    # The next-page link keeps the filters.
    assert "?action=booking.&amp;page=2" in first.text
    second = browser.get(audit_url(world), {"action": "booking.", "page": 2})
    assert rows(second) == 10
    assert "<dt>n</dt><dd>0</dd>" in second.text


# --- each filter narrows the list ------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"contact", "prisoner", "restriction"}),
        ({"target_type": "people.prisoner"}, {"prisoner"}),
        ({"target_type": "people.contact", "target_id": "{contact_id}"}, {"contact"}),
        ({"target_type": "people.contact", "target_id": "999999"}, set()),
        ({"actor": "{supervisor}"}, {"prisoner", "restriction"}),
        ({"actor": "{officer_part}"}, {"contact"}),
        ({"action": "contact."}, {"contact"}),
        ({"action": "restriction"}, {"restriction"}),
        ({"action": "approved"}, set()),  # a prefix, not anywhere in the name
        ({"date_from": "2030-01-11"}, {"prisoner", "restriction"}),
        ({"date_to": "2030-01-10"}, {"contact"}),
        ({"date_from": "2030-01-11", "date_to": "2030-01-11"}, {"prisoner"}),
        ({"date_from": "2030-01-13"}, set()),
    ],
)
def test_each_filter_narrows_the_list(world, console_as, trail, params, expected):
    values = {
        "contact_id": trail["contact"].target_id,
        "supervisor": world.supervisor.username,
        "officer_part": world.officer.username[2:].upper(),
    }
    query = {key: value.format(**values) for key, value in params.items()}
    response = console_as(world.supervisor).get(audit_url(world), query)
    assert response.status_code == 200
    assert listed(response, trail) == expected
    assert rows(response) == len(expected)
    assert ("No events match." in response.text) == (not expected)


def test_filters_combine(world, console_as, trail):
    response = console_as(world.supervisor).get(
        audit_url(world), {"actor": world.supervisor.username, "action": "prisoner."}
    )
    assert listed(response, trail) == {"prisoner"}


def test_a_history_link_shows_one_records_events(world, console_as, trail):
    text = console_as(world.supervisor).get(audit_url(world)).text
    link = f"?target_type=people.prisoner&amp;target_id={world.prisoner.pk}"
    assert link in text


def test_a_backwards_date_range_is_refused_clearly(world, console_as, trail):
    response = console_as(world.supervisor).get(
        audit_url(world), {"date_from": "2030-01-12", "date_to": "2030-01-10"}
    )
    assert "The end date is before the start date." in response.text
    assert "Correct the filters to see events." in response.text
    assert listed(response, trail) == set()


def test_the_selector_reads_only_the_facility(world, trail):
    events = audit_events_for(world.facility, AuditFilters())
    assert trail["elsewhere"] not in events
    assert list(events) == [trail["restriction"], trail["prisoner"], trail["contact"]]
    assert list(audit_events_for(world.other_facility, AuditFilters())) == [trail["elsewhere"]]
