"""Staff sign in with a password and a TOTP code, enrolling the first time; failures lock out."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.models import AuditEvent

PASSWORD = "correct horse battery"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_step(client, user, password=PASSWORD):
    return client.post(
        reverse("console:sign_in"), {"username": user.username, "password": password}
    )


def test_first_sign_in_enrols_a_second_factor(client, world):
    response = password_step(client, world.officer)
    assert response["Location"] == reverse("console:enrol")
    page = client.get(reverse("console:enrol"))
    assert "<svg" in page.text  # the QR code, inline
    device = TOTPDevice.objects.get(user=world.officer, confirmed=False)
    response = client.post(reverse("console:enrol"), {"token": code_for(device)})
    assert response["Location"] == reverse("console:home")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(reverse("console:dashboard", args=[world.facility.code])).status_code == 200
    assert AuditEvent.objects.filter(action="staff.totp_enrolled", actor=world.officer).exists()


def test_later_sign_ins_ask_for_the_code(client, world):
    device = TOTPDevice.objects.create(user=world.officer, name="phone", confirmed=True)
    assert password_step(client, world.officer)["Location"] == reverse("console:verify")
    # Password alone opens nothing.
    dashboard = reverse("console:dashboard", args=[world.facility.code])
    assert client.get(dashboard)["Location"].startswith(reverse("console:sign_in"))
    wrong = client.post(
        reverse("console:verify"), {"token": f"{(int(code_for(device)) + 1) % 10**6:06d}"}
    )
    assert "not right" in wrong.text
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.save()
    client.post(reverse("console:verify"), {"token": code_for(device)})
    assert client.get(dashboard).status_code == 200


def test_wrong_codes_are_throttled(client, world):
    device = TOTPDevice.objects.create(user=world.officer, name="phone", confirmed=True)
    password_step(client, world.officer)
    client.post(
        reverse("console:verify"), {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    response = client.post(reverse("console:verify"), {"token": code_for(device)})
    assert "Too many wrong codes" in response.text


def test_five_wrong_passwords_lock_the_account(client, world):
    for _ in range(5):
        response = password_step(client, world.officer, password="wrong")
        assert "not right" in response.text or "locked" in response.text
    response = password_step(client, world.officer)  # even the right password now
    assert "locked for 15 minutes" in response.text
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="staff.sign_in_failed").count() == 5


def test_families_cannot_use_the_console(client, world, console_as):
    response = client.post(
        reverse("console:sign_in"), {"username": world.family.user.username, "password": "x"}
    )
    assert "not right" in response.text
    family = console_as(world.family.user)
    assert family.get(reverse("console:dashboard", args=[world.facility.code])).status_code == 404


def test_an_officer_sees_nothing_of_another_prison(world, console_as):
    other = console_as(world.other_officer)
    assert other.get(reverse("console:dashboard", args=[world.facility.code])).status_code == 404
    assert (
        other.get(reverse("console:dashboard", args=[world.other_facility.code])).status_code == 200
    )


@pytest.mark.parametrize("persona", ["officer", "supervisor", "administrator"])
def test_each_role_reaches_its_dashboard(world, console_as, persona):
    browser = console_as(getattr(world, persona))
    assert browser.get(reverse("console:home"))["Location"] == reverse(
        "console:dashboard", args=[world.facility.code]
    )
