"""The Django admin is the superuser's back office: nobody else gets in, and it masks documents."""

import pytest

from apps.accounts.models import User


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "correct horse battery")


@pytest.mark.parametrize("persona", ["family", "officer", "other_officer"])
def test_families_and_officers_are_kept_out(client, world, persona):
    person = world.family.user if persona == "family" else getattr(world, persona)
    client.force_login(person)
    response = client.get("/admin/people/visitor/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_shows_identity_documents_masked_only(client, world, superuser):
    client.force_login(superuser)
    listing = client.get("/admin/people/visitor/")
    detail = client.get(f"/admin/people/visitor/{world.family.pk}/change/")
    number = world.family.document_number
    for response in (listing, detail):
        assert response.status_code == 200
        assert number not in response.text
        assert world.family.document_masked in response.text


def test_audit_events_cannot_be_changed_in_the_admin(client, world, superuser):
    from apps.audit.models import AuditEvent
    from apps.audit.services import audit_record

    audit_record(actor=superuser, action="test.event", target=world.prisoner)
    event = AuditEvent.objects.get()
    client.force_login(superuser)
    assert (
        client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
