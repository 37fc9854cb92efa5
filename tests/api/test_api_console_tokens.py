"""The console page where administrators issue and revoke API tokens."""

import re

import pytest

from apps.api.models import ApiToken
from apps.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/console/tianshan/api-tokens/"


def test_an_administrator_issues_a_token_shown_once(world, console_as, api):
    browser = console_as(world.administrator)
    response = browser.post(URL, {"name": "Call centre", "scope": "write", "role": "officer"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'value="(vl_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.created_by) == (
        "Call centre",
        "write",
        world.administrator,
    )
    assert api.get("/bookings", token=secret).status_code == 200
    later = browser.get(URL).content.decode()
    assert secret not in later
    assert f"vl_{token.prefix}_" in later
    assert "Call centre" in later


def test_a_token_needs_a_name(world, console_as):
    browser = console_as(world.administrator)
    response = browser.post(URL, {"name": " ", "scope": "read", "role": "officer"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token(world, console_as, api, api_token):
    secret = api_token()
    token = ApiToken.objects.get()
    browser = console_as(world.administrator)
    response = browser.post(f"{URL}{token.pk}/revoke/")
    assert response.status_code == 302
    assert api.get("/bookings", token=secret).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=world.administrator).exists()
    assert "Revoked on" in browser.get(URL).content.decode()


def test_an_administrator_of_another_facility_cannot_touch_this_ones_tokens(
    world, console_as, api_token
):
    api_token()
    token = ApiToken.objects.get()
    stranger = factories.staff(world.other_facility, "administrator")
    browser = console_as(stranger)
    assert browser.post(f"{URL}{token.pk}/revoke/").status_code == 404
    own = f"/console/kunlun/api-tokens/{token.pk}/revoke/"
    assert browser.post(own).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_only_administrators_see_the_page(world, console_as):
    for user in (world.officer, world.supervisor):
        assert console_as(user).get(URL).status_code == 403
    page = console_as(world.administrator).get(URL)
    assert page.status_code == 200
    assert 'href="/console/tianshan/api-tokens/"' in page.content.decode()
