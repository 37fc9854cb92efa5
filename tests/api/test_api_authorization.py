"""Who reaches what through the API, for every operation of the OpenAPI document.

A token of another facility reaches nothing here (404, or a list without a
single row of this facility); a read token cannot write (403, nothing
changes); a family's session, a revoked or malformed token get 401; staff
signed in to the console may use it, with the CSRF token on writes.
"""

import pytest
from django.test import Client

from apps.api.main import api as ninja_api
from apps.audit.models import AuditEvent
from apps.bookings.models import Booking
from apps.people.models import Prisoner
from tests.api_client import seed_records, valid_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    return seed_records(world)


def operations():
    """(method, path template) of every operation the API documents."""
    paths = ninja_api.get_openapi_schema()["paths"]
    return sorted(
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in paths.items()
        for method in methods
    )


def request_for(method, template, r, facility_code):
    """The path, query and body that would do the operation on this facility's records."""
    path, body = valid_request(template, r)
    return path, {"facility": facility_code}, body


def call(api, method, path, query, body, token):
    if method == "GET":
        return api.get(path, token=token, **query)
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return api.post(f"{path}?{qs}", body, token=token, **{"Idempotency-Key": "authz-0001"})


def our_rows_in(response, records):
    text = response.content.decode()
    return [value for value in (records["reference"], records["number"]) if value in text]


OPERATIONS = operations()


def test_the_matrix_covers_every_documented_operation():
    assert len(OPERATIONS) == 17, OPERATIONS


@pytest.mark.parametrize(("method", "template"), OPERATIONS)
def test_a_token_of_another_facility_reaches_nothing(
    api, api_token, world, records, method, template
):
    token = api_token(world.other_facility, scope="write", role="administrator")
    before = (Booking.objects.count(), Prisoner.objects.count(), AuditEvent.objects.count())
    path, query, body = request_for(method, template, records, world.facility.code)
    response = call(api, method, path, query, body, token)
    if response.status_code == 200:  # a list of its own facility's rows
        assert template in ("/bookings", "/facilities"), template
        assert our_rows_in(response, records) == []
        assert "tianshan" not in response.content.decode()
    else:
        assert response.status_code == 404, (template, response.content)
        assert response["Content-Type"] == "application/problem+json"
    after = (Booking.objects.count(), Prisoner.objects.count(), AuditEvent.objects.count())
    assert after == before


@pytest.mark.parametrize(("method", "template"), [(m, t) for m, t in OPERATIONS if m != "GET"])
def test_a_read_token_cannot_write(api, api_token, world, records, method, template):
    token = api_token(scope="read", role="administrator")
    before = (Booking.objects.count(), Prisoner.objects.count(), AuditEvent.objects.count())
    path, query, body = request_for(method, template, records, world.facility.code)
    response = call(api, method, path, query, body, token)
    assert response.status_code == 403, (template, response.content)
    assert response.json()["detail"] == "This token may only read."
    after = (Booking.objects.count(), Prisoner.objects.count(), AuditEvent.objects.count())
    assert after == before


@pytest.mark.parametrize(("method", "template"), OPERATIONS)
def test_a_write_token_of_this_facility_gets_through(
    api, api_token, world, records, method, template
):
    token = api_token(scope="write", role="administrator")
    path, query, body = request_for(method, template, records, world.facility.code)
    response = call(api, method, path, query, body, token)
    # Reached the service: an answer, or a rule's refusal, but never "who are you" or "not yours".
    assert response.status_code not in (401, 403, 404), (template, response.content)
    assert response.status_code < 500


@pytest.mark.parametrize(("method", "template"), OPERATIONS)
def test_nobody_without_a_token_gets_anything(api, world, records, method, template):
    path, query, body = request_for(method, template, records, world.facility.code)
    for token in (None, "vl_nope_nothing", "not-a-token"):
        response = call(api, method, path, query, body, token)
        assert response.status_code == 401, (template, token)
        assert response.json()["code"] == "not_authenticated"


def test_a_family_session_is_refused(world, records):
    browser = Client()
    browser.force_login(world.family.user)
    assert browser.get("/api/v1/bookings").status_code == 401
    assert browser.get(f"/api/v1/bookings/{records['reference']}").status_code == 401


def test_staff_signed_in_to_the_console_may_call_it_with_the_csrf_token(world, records, console_as):
    browser = console_as(world.officer)
    browser.handler.enforce_csrf_checks = True
    listed = browser.get("/api/v1/bookings")
    assert listed.status_code == 200
    assert records["reference"] in [item["reference"] for item in listed.json()["items"]]
    url = f"/api/v1/bookings/{records['reference']}/cancel"
    refused = browser.post(url, "{}", content_type="application/json")
    assert refused.status_code == 403
    assert Booking.objects.get(reference=records["reference"]).status == "booked"
    browser.get("/console/tianshan/approvals/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    done = browser.post(url, "{}", content_type="application/json", headers={"X-CSRFToken": token})
    assert done.status_code == 200, done.content
    assert Booking.objects.get(reference=records["reference"]).status == "cancelled"


def test_staff_without_the_second_factor_are_refused(client, world):
    client.force_login(world.officer)
    assert client.get("/api/v1/bookings").status_code == 401


def test_an_officer_of_another_facility_by_session_sees_nothing_here(world, records, console_as):
    browser = console_as(world.other_officer)
    assert browser.get(f"/api/v1/bookings/{records['reference']}").status_code == 404
    assert browser.get("/api/v1/bookings").json()["count"] == 0
