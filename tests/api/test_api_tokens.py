"""API tokens: issued by command or by the service, stored hashed, revocable, last use noted."""

import datetime as dt
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.api.models import ApiToken
from apps.api.tokens import api_token_issue, api_token_revoke
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_command_prints_only_the_token_and_stores_its_digest(world):
    out = StringIO()
    call_command(
        "api_token_create", facility="tianshan", scope="read", name="Call centre", stdout=out
    )
    secret = out.getvalue().strip()
    assert secret.startswith("vl_") and "\n" not in secret
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    assert (token.scope, token.facility, token.role) == ("read", world.facility, "officer")
    assert AuditEvent.objects.filter(action="api_token.issue").exists()
    assert secret.split("_", 2)[2] not in str(list(AuditEvent.objects.values()))


def test_the_system_account_cannot_sign_in_to_pages(world, client):
    issued = api_token_issue(actor=None, facility=world.facility, name="Records", scope="write")
    account = issued.token.account
    assert not account.has_usable_password()
    assert not account.is_active
    assert not Client().login(username=account.username, password="")
    response = client.post(
        "/console/sign-in/", {"username": account.username, "password": issued.secret}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_the_system_account_gets_nothing_even_with_a_session(world, console_as):
    """Were a session ever made for it (both factors and all), the inactive account is nobody:
    no console page, no API call by session, no family page."""
    issued = api_token_issue(
        actor=None, facility=world.facility, name="Records", scope="write", role="administrator"
    )
    browser = console_as(issued.token.account)
    assert browser.get("/console/tianshan/api-tokens/").status_code == 302
    assert browser.get("/api/v1/bookings").status_code == 401
    assert browser.get("/family/").status_code == 302


def test_only_an_administrator_of_the_facility_issues_or_revokes(world):
    for user in (world.officer, world.supervisor, world.other_officer, world.family.user):
        with pytest.raises(Exception, match="role that may do this"):
            api_token_issue(actor=user, facility=world.facility, name="X", scope="read")
    issued = api_token_issue(
        actor=world.administrator, facility=world.facility, name="X", scope="read"
    )
    with pytest.raises(Exception, match="role that may do this"):
        api_token_revoke(actor=world.officer, token=issued.token)
    assert ApiToken.objects.get().revoked_at is None


def test_a_revoked_token_stops_working_at_once(world, api, api_token):
    secret = api_token()
    assert api.get("/bookings", token=secret).status_code == 200
    api_token_revoke(actor=world.administrator, token=ApiToken.objects.get())
    response = api.get("/bookings", token=secret)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer vl_",
        "Bearer vl_x_y",
        "Basic dXNlcjpwYXNz",
        "Bearer \u00e9",
        "Bearer vl_\x00_x",
    ],
)
def test_missing_unknown_or_malformed_tokens_get_401(world, api, api_token, header):
    secret = api_token()
    headers = {"Authorization": header} if header else {}
    response = api.get("/bookings", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    tampered = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")
    assert api.get("/bookings", token=tampered).status_code == 401


def test_last_use_is_noted_at_most_once_a_minute(world, api, api_token):
    secret = api_token()
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    api.get("/bookings", token=secret)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    api.get("/bookings", token=secret)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    api.get("/bookings", token=secret)
    assert ApiToken.objects.get().last_used_at > first


def test_going_past_the_rate_gets_429(world, api, api_token, settings):
    settings.API_TOKEN_RATE = "3/m"
    secret = api_token()
    answers = [api.get("/bookings", token=secret).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = api.get("/bookings", token=secret)
    assert limited.json()["code"] == "rate_limited"
    assert limited["Retry-After"]
    # Another token has its own count.
    assert api.get("/bookings", token=api_token()).status_code == 200


def test_the_openapi_document_is_served_at_its_stable_path(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200

    def no_repeated_keys(pairs):
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), keys  # YAML readers (Swagger UI) refuse them
        return dict(pairs)

    document = json.loads(response.content, object_pairs_hook=no_repeated_keys)
    assert document["info"]["title"] == "Visitline API"
    booking = document["paths"]["/api/v1/bookings"]["post"]
    assert "application/problem+json" in booking["responses"]["409"]["content"]
    assert {"TokenAuth", "StaffSessionAuth"} <= set(document["components"]["securitySchemes"])
    assert client.get("/api/v1/docs").status_code == 200
