"""The Django admin is the superuser's back office: behind the console's sign-in and second
factor, nobody else gets in, and it masks documents and TOTP secrets."""

import base64
import importlib

import pytest
from django.urls import clear_url_caches
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import config.urls
from apps.accounts.models import StaffRole, User

PASSWORD = "correct horse battery"


@pytest.fixture
def superuser(world):
    """The prison's superuser: an administrator of the console who may also open the admin."""
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    StaffRole.objects.create(user=root, facility=world.facility, role=StaffRole.Role.ADMINISTRATOR)
    return root


@pytest.mark.parametrize(
    "persona", ["family", "other_officer", "officer", "supervisor", "administrator"]
)
def test_everyone_but_the_superuser_is_kept_out_even_with_both_factors(console_as, world, persona):
    person = world.family.user if persona == "family" else getattr(world, persona)
    response = console_as(person).get("/admin/people/visitor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_password_alone_does_not_open_the_admin(client, superuser):
    client.force_login(superuser)  # as after the console's password step, before the code
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/console/sign-in/")
    assert b"id_password" in response.content


def test_the_admin_has_no_password_form_of_its_own(client, superuser):
    assert client.get("/admin/login/").status_code == 302
    posted = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert posted["Location"].startswith("/console/sign-in/")
    assert "_auth_user_id" not in client.session


def test_the_superuser_comes_in_through_the_consoles_two_factors(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    signed = client.post(
        "/console/sign-in/?next=/admin/people/visitor/",
        {"username": "root", "password": PASSWORD},
    )
    assert signed["Location"] == "/console/verify/"
    assert client.get("/admin/").status_code == 302  # the code is still to come
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    verified = client.post("/console/verify/", {"token": f"{code:06d}"})
    assert verified["Location"] == "/admin/people/visitor/"
    assert client.get("/admin/people/visitor/").status_code == 200


def test_a_next_address_off_the_site_is_ignored(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    client.post(
        "/console/sign-in/?next=https://evil.example/", {"username": "root", "password": PASSWORD}
    )
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    verified = client.post("/console/verify/", {"token": f"{code:06d}"})
    assert verified["Location"] == "/console/"


def test_wrong_passwords_lock_the_superuser_out_of_the_admin_too(client, superuser):
    for _ in range(5):
        client.post("/console/sign-in/", {"username": "root", "password": "wrong"})
    refused = client.post("/console/sign-in/", {"username": "root", "password": PASSWORD})
    assert refused.status_code == 200 and "locked" in refused.text
    assert "_auth_user_id" not in client.session


def test_the_admin_never_shows_a_totp_secret(console_as, world, superuser):
    browser = console_as(superuser)
    device = TOTPDevice.objects.create(user=world.officer, name="officer", confirmed=True)
    page = browser.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.text
    assert base64.b32encode(device.bin_key).decode() not in page.text
    assert "qrcode" not in page.text


def test_production_leaves_the_admin_out_unless_enabled(settings):
    settings.ADMIN_ENABLED = False
    try:
        importlib.reload(config.urls)
        assert not any(str(p.pattern) == "admin/" for p in config.urls.urlpatterns)
    finally:
        settings.ADMIN_ENABLED = True
        importlib.reload(config.urls)
        clear_url_caches()
    assert any(str(p.pattern) == "admin/" for p in config.urls.urlpatterns)


def test_the_admin_shows_identity_documents_masked_only(console_as, world, superuser):
    client = console_as(superuser)
    listing = client.get("/admin/people/visitor/")
    detail = client.get(f"/admin/people/visitor/{world.family.pk}/change/")
    number = world.family.document_number
    for response in (listing, detail):
        assert response.status_code == 200
        assert number not in response.text
        assert world.family.document_masked in response.text


def test_audit_events_cannot_be_changed_in_the_admin(console_as, world, superuser):
    from apps.audit.models import AuditEvent
    from apps.audit.services import audit_record

    audit_record(actor=superuser, action="test.event", target=world.prisoner)
    event = AuditEvent.objects.get()
    client = console_as(superuser)
    assert (
        client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
