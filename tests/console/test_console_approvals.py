"""Contact approvals: the queue, approving, rejecting with a reason, and the audited reveal."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.bookings.services import booking_create
from apps.notifications.models import Message
from apps.people.models import Contact
from apps.people.services.identity import visitor_identity_reveal
from apps.policy.kinds import VisitKind
from tests import factories


def pending(world, *, days_ago=0, prisoner=None, **visitor_fields):
    visitor = factories.visitor(**visitor_fields)
    contact = factories.contact(
        visitor, prisoner or world.prisoner, relationship="sibling", status=Contact.Status.PENDING
    )
    if days_ago:
        Contact.objects.filter(pk=contact.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days_ago, hours=1)
        )
    return contact


def queue_url(world):
    return reverse("console:approvals", args=[world.facility.code])


def action_url(world, name, contact):
    return reverse(f"console:approvals_{name}", args=[world.facility.code, contact.pk])


def written(world):
    """What a refused action must leave unchanged."""
    return (
        AuditEvent.objects.count(),
        Message.objects.count(),
        list(Contact.objects.order_by("pk").values_list("status", "decision_reason")),
    )


# --- who may see and do what ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "supervisor", "administrator"])
def test_every_staff_role_of_the_facility_sees_the_queue(world, console_as, persona):
    pending(world, full_name="Tursun Ali")
    response = console_as(getattr(world, persona)).get(queue_url(world))
    assert response.status_code == 200
    assert "Tursun Ali" in response.text


def test_outsiders_never_see_the_queue(world, console_as, client):
    pending(world)
    url = queue_url(world)
    assert console_as(world.family.user).get(url).status_code == 404
    assert console_as(world.other_officer).get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))


@pytest.mark.parametrize("name", ["approve", "reject", "reveal"])
def test_outsiders_cannot_decide_or_reveal(world, console_as, client, name):
    contact = pending(world)
    url = action_url(world, name, contact)
    before = written(world)
    data = {f"contact-{contact.pk}-reason": "No"}
    assert console_as(world.family.user).post(url, data).status_code == 404
    assert console_as(world.other_officer).post(url, data).status_code == 404
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign_in"))
    assert written(world) == before


@pytest.mark.parametrize("name", ["approve", "reject", "reveal"])
def test_a_request_of_another_facility_is_not_found(world, console_as, name):
    elsewhere = factories.prisoner(world.other_facility)
    contact = pending(world, prisoner=elsewhere)
    before = written(world)
    response = console_as(world.supervisor).post(
        action_url(world, name, contact), {f"contact-{contact.pk}-reason": "No"}
    )
    assert response.status_code == 404
    assert written(world) == before


def test_decisions_are_posted_not_fetched(world, console_as):
    contact = pending(world)
    browser = console_as(world.officer)
    assert browser.get(action_url(world, "approve", contact)).status_code == 405
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.PENDING


# --- the queue ---------------------------------------------------------------------------------


def test_the_queue_is_oldest_first_with_its_age(world, console_as):
    pending(world, days_ago=1, full_name="Middle Request")
    pending(world, days_ago=5, full_name="Oldest Request")
    pending(world, days_ago=0, full_name="Newest Request")
    text = console_as(world.officer).get(queue_url(world)).text
    positions = [text.index(name) for name in ("Oldest", "Middle", "Newest")]
    assert positions == sorted(positions)
    assert "Waiting 5\xa0days" in text
    assert "Waiting 1\xa0day" in text
    assert "3 requests waiting" in text


def test_decided_contacts_are_not_in_the_queue(world, console_as):
    # world.family is an approved contact already: not waiting.
    text = console_as(world.officer).get(queue_url(world)).text
    assert "No contact requests are waiting." in text
    assert world.family.document_masked not in text


def test_the_queue_shows_the_identity_masked_never_in_full(world, console_as):
    contact = pending(world, full_name="Mahire Ahmat", born=dt.date(1975, 3, 9))
    prisoner = contact.prisoner
    text = console_as(world.supervisor).get(queue_url(world)).text
    visitor = contact.visitor
    assert visitor.document_masked in text
    assert visitor.document_number not in text
    for shown in ("Mahire Ahmat", "Brother or sister", visitor.phone, "Resident ID card"):
        assert shown in text
    assert "March 9, 1975" in text
    assert prisoner.number in text and prisoner.full_name in text
    assert f"<dd>{prisoner.unit}</dd>" in text
    assert "Show full number" in text


def test_officers_are_not_offered_the_reveal(world, console_as):
    pending(world)
    assert "Show full number" not in console_as(world.officer).get(queue_url(world)).text


def test_the_queue_reads_in_a_fixed_number_of_queries(
    world, console_as, django_assert_max_num_queries
):
    for n in range(12):
        contact = pending(world, days_ago=n)
        if n % 3 == 0:
            Contact.objects.filter(pk=contact.pk).update(
                status=Contact.Status.REJECTED,
                decided_by=world.officer,
                decided_at=timezone.now(),
                decision_reason="x",
            )
    browser = console_as(world.supervisor)
    with django_assert_max_num_queries(8):
        response = browser.get(queue_url(world))
    assert response.status_code == 200


def test_more_than_fifty_requests_are_paged(world, console_as):
    contacts = [pending(world, days_ago=60 - n) for n in range(55)]
    browser = console_as(world.officer)
    first = browser.get(queue_url(world)).text
    second = browser.get(queue_url(world) + "?page=2").text
    assert first.count('class="approval"') == 50
    assert second.count('class="approval"') == 5
    assert "Page 1 of 2" in first
    # Oldest first across pages: the first page holds the fifty oldest.
    assert f'id="request-{contacts[0].pk}"' in first
    assert f'id="request-{contacts[-1].pk}"' in second


# --- approving and rejecting ------------------------------------------------------------------


def test_approving_lets_the_family_book(world, console_as):
    contact = pending(world, full_name="Gulnar Ehmet")
    visitor = contact.visitor
    browser = console_as(world.officer)
    response = browser.post(action_url(world, "approve", contact))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == Contact.Status.APPROVED
    assert contact.decided_by == world.officer
    assert AuditEvent.objects.filter(
        action="contact.approved", target_id=str(contact.pk), facility=world.facility
    ).exists()
    assert Message.objects.filter(recipient=visitor, kind="contact_approved").exists()
    slot = factories.slot(world.facility)
    booking = booking_create(
        actor=visitor.user,
        slot_id=slot.pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[visitor.pk],
        kind=VisitKind.IN_PERSON,
        idempotency_key=uuid.uuid4().hex,
    )
    assert booking.pk
    page = browser.get(response["Location"]).text
    assert "Approved: Gulnar Ehmet can now book visits" in page


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_without_a_reason_writes_nothing(world, console_as, reason):
    contact = pending(world)
    before = written(world)
    response = console_as(world.officer).post(
        action_url(world, "reject", contact), {f"contact-{contact.pk}-reason": reason}
    )
    assert response.status_code == 200
    assert "Write the reason; the family will see it." in response.text
    assert written(world) == before


def test_rejecting_tells_the_family_why(world, console_as):
    contact = pending(world, full_name="Nurbiye Kasim")
    browser = console_as(world.officer)
    response = browser.post(
        action_url(world, "reject", contact),
        {f"contact-{contact.pk}-reason": "The relationship could not be confirmed."},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == Contact.Status.REJECTED
    assert contact.decision_reason == "The relationship could not be confirmed."
    message = Message.objects.get(recipient=contact.visitor, kind="contact_rejected")
    assert message.params["reason"] == "The relationship could not be confirmed."
    event = AuditEvent.objects.get(action="contact.rejected", target_id=str(contact.pk))
    assert event.actor == world.officer
    # The decision shows among the recently decided, not in the queue.
    page = browser.get(queue_url(world)).text
    recent = page[page.index("Recently decided") :]
    assert "Nurbiye Kasim" in recent and "Not approved" in recent
    assert "The relationship could not be confirmed." in recent


def test_a_request_decided_meanwhile_is_not_decided_twice(world, console_as):
    contact = pending(world)
    browser = console_as(world.officer)
    browser.post(action_url(world, "approve", contact))
    before = written(world)
    response = browser.post(
        action_url(world, "reject", contact),
        {f"contact-{contact.pk}-reason": "Too late"},
        follow=True,
    )
    assert "This request has already been decided." in response.text
    assert written(world) == before


# --- revealing the full identity number ------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "administrator"])
def test_a_senior_reveals_the_number_once_and_it_is_audited(world, console_as, persona):
    contact = pending(world)
    visitor = contact.visitor
    senior = getattr(world, persona)
    browser = console_as(senior)
    response = browser.post(action_url(world, "reveal", contact))
    assert response.status_code == 200
    assert visitor.document_number in response.text
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="visitor.identity_revealed")
    assert (event.actor, event.facility, event.target_type, event.target_id) == (
        senior,
        world.facility,
        "people.visitor",
        str(visitor.pk),
    )
    assert visitor.document_number not in str(event.data)
    # Shown once: the queue afterwards is masked again.
    assert visitor.document_number not in browser.get(queue_url(world)).text
    assert AuditEvent.objects.filter(action="visitor.identity_revealed").count() == 1


def test_an_officer_may_not_reveal(world, console_as):
    contact = pending(world)
    before = written(world)
    response = console_as(world.officer).post(action_url(world, "reveal", contact))
    assert response.status_code == 403
    assert contact.visitor.document_number not in response.text
    assert written(world) == before


def test_the_reveal_service_checks_role_facility_and_contact(world):
    supervisor_elsewhere = factories.staff(world.other_facility, "supervisor")
    cases = [
        (world.officer, world.family, world.facility.pk),  # not senior
        (supervisor_elsewhere, world.family, world.facility.pk),  # not staff here
        (world.supervisor, world.other_family, world.facility.pk),  # no contact here
        (world.family.user, world.family, world.facility.pk),  # not staff at all
    ]
    for actor, visitor, facility_id in cases:
        with pytest.raises(PermissionDenied):
            visitor_identity_reveal(actor=actor, visitor=visitor, facility_id=facility_id)
    assert not AuditEvent.objects.filter(action="visitor.identity_revealed").exists()
    number = visitor_identity_reveal(
        actor=world.supervisor, visitor=world.family, facility_id=world.facility.pk
    )
    assert number == world.family.document_number
    assert AuditEvent.objects.filter(action="visitor.identity_revealed").count() == 1
