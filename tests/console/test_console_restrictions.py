"""Restrictions in the console: the list by state, setting one (all fields, the minimum), ending early."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.bookings.models import Booking
from apps.bookings.services import booking_create
from apps.people.models import Restriction
from apps.people.selectors import restrictions_in_force
from apps.people.services import restriction_create
from apps.people.services.restrictions import restriction_end
from apps.policy.kinds import VisitKind
from tests import factories

NOW = timezone.now


def restriction(world, *, starts, ends, reason="Passed a phone across the table", **fields):
    fields.setdefault("kind", Restriction.Kind.CLOSED_ONLY)
    if "contact" not in fields:
        fields.setdefault("visitor", world.family)
    fields.setdefault("facility", world.facility)
    return Restriction.objects.create(
        starts_at=starts, ends_at=ends, reason=reason, set_by=world.supervisor, **fields
    )


def in_force(world, **fields):
    return restriction(
        world, starts=NOW() - dt.timedelta(days=1), ends=NOW() + dt.timedelta(days=30), **fields
    )


def local(world, moment):
    return timezone.localtime(moment, world.facility.zone).strftime("%Y-%m-%dT%H:%M")


def list_url(world):
    return reverse("console:restrictions", args=[world.facility.code])


def new_url(world):
    return reverse("console:restrictions_new", args=[world.facility.code])


def end_url(world, item):
    return reverse("console:restrictions_end", args=[world.facility.code, item.pk])


def form(world, **overrides):
    data = {
        "q": "",
        "target": f"visitor:{world.family.pk}",
        "kind": Restriction.Kind.CLOSED_ONLY,
        "starts_at": local(world, NOW()),
        "ends_at": local(world, NOW() + dt.timedelta(days=30)),
        "reason": "Passed a phone across the table",
    }
    return {key: value for key, value in (data | overrides).items() if value is not None}


def written():
    return (
        Restriction.objects.count(),
        AuditEvent.objects.count(),
        list(Restriction.objects.order_by("pk").values_list("starts_at", "ends_at")),
    )


def book_video(world):
    slot = factories.slot(world.facility, video=True)
    return booking_create(
        actor=world.family.user,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind=VisitKind.VIDEO,
        idempotency_key=uuid.uuid4().hex,
    )


# --- who may see and do what ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "supervisor", "administrator"])
def test_every_staff_role_sees_the_list(world, console_as, persona):
    in_force(world)
    response = console_as(getattr(world, persona)).get(list_url(world))
    assert response.status_code == 200
    assert "Passed a phone across the table" in response.text


def test_only_seniors_are_offered_changes(world, console_as):
    item = in_force(world)
    officer_page = console_as(world.officer).get(list_url(world)).text
    assert new_url(world) not in officer_page and end_url(world, item) not in officer_page
    senior_page = console_as(world.supervisor).get(list_url(world)).text
    assert new_url(world) in senior_page and end_url(world, item) in senior_page


@pytest.mark.parametrize("page", ["list", "new", "end"])
def test_outsiders_get_nothing(world, console_as, client, page):
    item = in_force(world)
    url = {"list": list_url(world), "new": new_url(world), "end": end_url(world, item)}[page]
    assert console_as(world.family.user).get(url).status_code == 404
    assert console_as(world.other_officer).get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))


@pytest.mark.parametrize("page", ["new", "end"])
def test_officers_may_not_set_or_end_restrictions(world, console_as, page):
    item = in_force(world)
    url = new_url(world) if page == "new" else end_url(world, item)
    before = written()
    browser = console_as(world.officer)
    assert browser.get(url).status_code == 403
    assert browser.post(url, form(world) | {"reason": "Enough"}).status_code == 403
    assert written() == before


@pytest.mark.parametrize("persona", ["supervisor", "administrator"])
def test_seniors_open_the_form(world, console_as, persona):
    assert console_as(getattr(world, persona)).get(new_url(world)).status_code == 200


def test_a_restriction_of_another_facility_is_not_found(world, console_as):
    elsewhere = factories.prisoner(world.other_facility)
    their_family = factories.visitor()
    factories.contact(their_family, elsewhere)
    item = in_force(world, facility=world.other_facility, visitor=their_family)
    before = written()
    browser = console_as(world.supervisor)
    assert browser.get(end_url(world, item)).status_code == 404
    assert browser.post(end_url(world, item), {"reason": "x"}).status_code == 404
    assert written() == before
    assert "Passed a phone" not in browser.get(list_url(world)).text


# --- the list ----------------------------------------------------------------------------------


def test_the_list_groups_restrictions_by_their_state_now(world, console_as):
    in_force(world, reason="Reason now")
    restriction(
        world,
        starts=NOW() + dt.timedelta(days=2),
        ends=NOW() + dt.timedelta(days=9),
        reason="Reason soon",
    )
    # Expired on its own: nothing ever changed it.
    restriction(
        world,
        starts=NOW() - dt.timedelta(days=9),
        ends=NOW() - dt.timedelta(minutes=1),
        reason="Reason past",
    )
    text = console_as(world.officer).get(list_url(world)).text
    now_at, soon_at, past_at = (
        text.index(f'id="{anchor}-title"') for anchor in ("in-force", "upcoming", "ended")
    )
    assert now_at < text.index("Reason now") < soon_at < text.index("Reason soon") < past_at
    assert past_at < text.index("Reason past")


def test_the_list_shows_who_when_in_local_time_and_who_set_it(world, console_as):
    world.facility.time_zone = "Asia/Urumqi"  # UTC+6, unlike the server's UTC+8
    world.facility.save()
    contact = world.family.contacts.get()
    restriction(
        world,
        contact=contact,
        kind=Restriction.Kind.NO_VIDEO,
        starts=dt.datetime(2031, 3, 1, 9, 30, tzinfo=ZoneInfo("Asia/Urumqi")),
        ends=dt.datetime(2031, 4, 1, 17, 15, tzinfo=ZoneInfo("Asia/Urumqi")),
    )
    text = console_as(world.officer).get(list_url(world)).text
    prisoner = f"{world.prisoner.number} <bdi>{world.prisoner.full_name}</bdi>"
    assert f"<bdi>Ayshem Tursun</bdi> → {prisoner}" in text
    assert "March 1, 2031 09:30" in text and "April 1, 2031 17:15" in text
    assert "Times in Asia/Urumqi." in text
    assert "No video visits" in text
    assert world.supervisor.full_name in text


def test_the_list_reads_in_a_fixed_number_of_queries(
    world, console_as, django_assert_max_num_queries
):
    contact = world.family.contacts.get()
    for n in range(4):
        in_force(world, contact=contact)
        in_force(world)
        restriction(
            world, starts=NOW() + dt.timedelta(days=n + 1), ends=NOW() + dt.timedelta(days=40)
        )
        restriction(
            world, starts=NOW() - dt.timedelta(days=9), ends=NOW() - dt.timedelta(days=n + 1)
        )
    browser = console_as(world.supervisor)
    with django_assert_max_num_queries(9):
        assert browser.get(list_url(world)).status_code == 200


def test_the_history_link_opens_the_audit_trail_of_the_restriction(world, console_as):
    item = restriction_create(
        actor=world.supervisor,
        facility_id=world.facility.pk,
        kind=Restriction.Kind.CLOSED_ONLY,
        starts_at=NOW(),
        ends_at=NOW() + dt.timedelta(days=3),
        reason="Passed a phone across the table",
        visitor=world.family,
    )
    browser = console_as(world.supervisor)
    link = f"?target_type=people.restriction&amp;target_id={item.pk}"
    assert link in browser.get(list_url(world)).text
    audit = browser.get(
        reverse("console:audit", args=[world.facility.code]),
        {"target_type": "people.restriction", "target_id": item.pk},
    )
    assert "restriction.create" in audit.text


# --- choosing whom to restrict -----------------------------------------------------------------


def test_search_finds_visitors_with_a_contact_here_by_name_or_phone(world, console_as):
    contact = world.family.contacts.get()
    browser = console_as(world.supervisor)
    for query in ("ayshem", "13800138000"):
        text = browser.get(new_url(world), {"q": query}).text
        assert f'value="visitor:{world.family.pk}"' in text
        assert f'value="contact:{contact.pk}"' in text
        # Wang Li shares the phone number but has no contact at this prison.
        assert f'value="visitor:{world.other_family.pk}"' not in text
    nothing = browser.get(new_url(world), {"q": "Wang Li"}).text
    assert "No visitor with a contact at this prison matches" in nothing


def test_a_target_chosen_elsewhere_is_offered_preselected(world, console_as):
    contact = world.family.contacts.get()
    text = (
        console_as(world.supervisor).get(new_url(world), {"target": f"contact:{contact.pk}"}).text
    )
    assert f'value="contact:{contact.pk}" selected' in text


# --- setting a restriction ---------------------------------------------------------------------


def test_a_senior_sets_a_restriction_in_the_prisons_time(world, console_as):
    world.facility.time_zone = "Asia/Urumqi"
    world.facility.save()
    contact = world.family.contacts.get()
    browser = console_as(world.supervisor)
    response = browser.post(
        new_url(world),
        form(
            world,
            target=f"contact:{contact.pk}",
            kind=Restriction.Kind.NO_VIDEO,
            starts_at="2031-03-01T09:30",
            ends_at="2031-04-01T09:30",
            reason="Misused the video link",
        ),
    )
    assert response.status_code == 302
    item = Restriction.objects.get()
    zone = ZoneInfo("Asia/Urumqi")
    assert item.starts_at == dt.datetime(2031, 3, 1, 9, 30, tzinfo=zone)
    assert item.ends_at == dt.datetime(2031, 4, 1, 9, 30, tzinfo=zone)
    assert (item.contact, item.visitor, item.set_by) == (contact, None, world.supervisor)
    assert item.reason == "Misused the video link"
    event = AuditEvent.objects.get(action="restriction.create")
    assert event.facility == world.facility and event.actor == world.supervisor
    assert "The restriction is set" in browser.get(response["Location"]).text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": ""}, "A restriction needs a written reason."),
        ({"reason": "    "}, "A restriction needs a written reason."),
        (
            {"starts_at": "2031-03-10T09:00", "ends_at": "2031-03-01T09:00"},
            "A restriction must end after it starts.",
        ),
        (
            {"starts_at": "2020-03-01T09:00", "ends_at": "2020-03-10T09:00"},
            "This restriction would already have ended.",
        ),
        ({"target": None}, "Search for the visitor, then choose them or one of their contacts."),
        ({"target": "visitor:999999"}, "Choose the visitor or contact from the list."),
        ({"kind": ""}, "Choose the kind of restriction."),
        ({"kind": "silence"}, "Select a valid choice."),
        ({"starts_at": ""}, "Enter when the restriction starts."),
        ({"ends_at": None}, "Enter when the restriction ends; every one is time-limited."),
        ({"ends_at": "next week"}, "Enter a valid date/time."),
    ],
)
def test_bad_input_is_refused_clearly_and_writes_nothing(world, console_as, overrides, message):
    before = written()
    response = console_as(world.supervisor).post(new_url(world), form(world, **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert written() == before


def test_a_visitor_of_another_prison_cannot_be_targeted(world, console_as):
    elsewhere = factories.prisoner(world.other_facility)
    stranger = factories.visitor(full_name="Stranger Elsewhere")
    their_contact = factories.contact(stranger, elsewhere)
    before = written()
    browser = console_as(world.supervisor)
    for target in (f"visitor:{stranger.pk}", f"contact:{their_contact.pk}"):
        response = browser.post(new_url(world), form(world, target=target))
        assert "Choose the visitor or contact from the list." in response.text
        assert "Stranger Elsewhere" not in response.text
    assert written() == before


def test_a_ban_below_the_published_minimum_is_refused_with_the_reason(world, console_as):
    before = written()
    response = console_as(world.supervisor).post(
        new_url(world), form(world, kind=Restriction.Kind.BAN)
    )
    assert response.status_code == 200
    assert (
        f"This would leave {world.prisoner.full_name} with no adult family member able to visit, "
        "below the published minimum of 1 visits a month. Restrict to closed visits instead."
    ) in response.text
    assert written() == before


# --- ending early --------------------------------------------------------------------------


def test_ending_early_is_audited_and_stops_the_restriction_applying(world, console_as):
    item = restriction_create(
        actor=world.supervisor,
        facility_id=world.facility.pk,
        kind=Restriction.Kind.NO_VIDEO,
        starts_at=NOW() - dt.timedelta(minutes=5),
        ends_at=NOW() + dt.timedelta(days=30),
        reason="Misused the video link",
        visitor=world.family,
    )
    with pytest.raises(ValidationError) as refused:
        book_video(world)
    assert refused.value.code == "restricted_no_video"
    browser = console_as(world.administrator)
    page = browser.get(end_url(world, item))
    assert page.status_code == 200 and "Misused the video link" in page.text
    response = browser.post(end_url(world, item), {"reason": "Apologised and signed the rules"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.ends_at <= NOW()
    assert Restriction.objects.count() == 1  # ended, never deleted
    event = AuditEvent.objects.get(action="restriction.end")
    assert event.actor == world.administrator and event.facility == world.facility
    assert event.data["reason"] == "Apologised and signed the rules"
    assert event.target_id == str(item.pk)
    assert book_video(world).pk
    list_page = browser.get(response["Location"]).text
    ended_part = list_page[list_page.index('id="ended-title"') :]
    assert "Misused the video link" in ended_part


def test_ending_an_upcoming_restriction_withdraws_it(world, console_as):
    start = NOW() + dt.timedelta(days=5)
    item = restriction(world, starts=start, ends=start + dt.timedelta(days=5))
    response = console_as(world.supervisor).post(
        end_url(world, item), {"reason": "Decided otherwise"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.starts_at < item.ends_at <= NOW()
    assert not restrictions_in_force(
        facility_id=world.facility.pk,
        visitor_ids=[world.family.pk],
        contact_ids=[],
        at=start + dt.timedelta(hours=1),
    ).exists()
    event = AuditEvent.objects.get(action="restriction.end")
    assert event.data["was_starts_at"] == start.isoformat()


@pytest.mark.parametrize("reason", ["", "   "])
def test_ending_early_needs_a_reason(world, console_as, reason):
    item = in_force(world)
    before = written()
    response = console_as(world.supervisor).post(end_url(world, item), {"reason": reason})
    assert response.status_code == 200
    assert "Write why the restriction ends early." in response.text
    assert written() == before


def test_an_ended_restriction_cannot_be_ended_again(world, console_as):
    item = restriction(
        world, starts=NOW() - dt.timedelta(days=9), ends=NOW() - dt.timedelta(days=1)
    )
    before = written()
    browser = console_as(world.supervisor)
    page = browser.get(end_url(world, item)).text
    assert "This restriction has already ended." in page and "End it now" not in page
    response = browser.post(end_url(world, item), {"reason": "Again"})
    assert "This restriction has already ended." in response.text
    assert written() == before
    with pytest.raises(ValidationError) as info:
        restriction_end(actor=world.supervisor, restriction=item, reason="Again")
    assert info.value.code == "already_ended"


def test_only_seniors_of_the_facility_end_restrictions(world):
    item = in_force(world)
    supervisor_elsewhere = factories.staff(world.other_facility, "supervisor")
    for actor in (world.officer, supervisor_elsewhere, world.family.user):
        with pytest.raises(PermissionDenied):
            restriction_end(actor=actor, restriction=item, reason="Because")
    item.refresh_from_db()
    assert item.ends_at > NOW()
    assert not AuditEvent.objects.filter(action="restriction.end").exists()


def test_setting_a_restriction_cancels_the_bookings_it_forbids(world, console_as):
    booking = book_video(world)
    response = console_as(world.supervisor).post(
        new_url(world), form(world, kind=Restriction.Kind.NO_VIDEO)
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert Booking.objects.filter(status="booked").count() == 0
