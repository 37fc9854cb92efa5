"""Bad input gets a clear problem response and changes nothing."""

import datetime as dt
import json

import pytest

from apps.audit.models import AuditEvent
from apps.bookings.models import Booking
from apps.people.models import Contact, Prisoner
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(world):
    return factories.slot(world.facility, days_ahead=3, capacity=1)


@pytest.fixture
def token(api_token):
    return api_token(role="administrator")


def counts():
    return (Booking.objects.count(), Prisoner.objects.count(), AuditEvent.objects.count())


def good_booking(world, slot):
    return {
        "slot_id": slot.pk,
        "prisoner_number": world.prisoner.number,
        "visitor_ids": [world.family.pk],
        "kind": "in_person",
    }


def book(api, token, payload):
    return api.post("/bookings", payload, token=token, **{"Idempotency-Key": "bad-input-1"})


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["type"] == f"https://visitline.invalid/problems/{code}"
    assert problem["title"] and problem["detail"]
    assert "Traceback" not in response.content.decode()
    return problem


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slot_id", "seven"),
        ("slot_id", 2**70),
        ("slot_id", -1),
        ("visitor_ids", "12"),
        ("visitor_ids", []),
        ("kind", "picnic"),
        ("prisoner_number", 42),
        ("prisoner_number", "P\x00001"),
        ("prisoner_number", "x" * 31),
    ],
)
def test_wrong_types_and_values_name_the_field(api, token, world, slot, field, value):
    before = counts()
    problem = assert_problem(
        book(api, token, {**good_booking(world, slot), field: value}), 422, "invalid_request"
    )
    assert any(field in error["loc"] for error in problem["errors"]), problem["errors"]
    assert counts() == before


def test_unknown_fields_are_refused(api, token, world, slot):
    before = counts()
    problem = assert_problem(
        book(api, token, {**good_booking(world, slot), "allowance_override_reason": "VIP"}),
        422,
        "invalid_request",
    )
    assert any("allowance_override_reason" in e["loc"] for e in problem["errors"])
    assert counts() == before


def test_a_body_that_is_not_json_is_refused(api, token):
    before = counts()
    assert_problem(book(api, token, "{not json"), 400, "malformed_body")
    assert_problem(book(api, token, "[1, 2]"), 422, "invalid_request")
    assert counts() == before


def test_a_huge_body_is_refused_before_it_is_read(api, token, world, slot):
    before = counts()
    huge = json.dumps({**good_booking(world, slot), "padding": "x" * (2 * 1024 * 1024)})
    assert_problem(book(api, token, huge), 413, "too_large")
    roster = {"prisoners": [{"number": f"N{n}", "full_name": "x" * 200} for n in range(6000)]}
    response = api.post("/prisoners/roster", roster, token=token)
    assert_problem(response, 413, "too_large")
    assert counts() == before


def test_a_huge_body_is_refused_where_the_operation_takes_none_too(api, token, world):
    pending = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    response = api.post(f"/contacts/{pending.pk}/approve", "x" * (2 * 1024 * 1024), token=token)
    assert_problem(response, 413, "too_large")
    pending.refresh_from_db()
    assert pending.status == Contact.Status.PENDING


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "1900-01-01"},
        {"date_from": "9999-12-31"},
        {"date_from": "2030-02-30"},
        {"date_from": "2026-01-10", "date_to": "2026-01-01"},
        {"date_from": "2026-01-01", "date_to": "2026-03-01"},
        {"kind": "legal"},
    ],
)
def test_slot_dates_out_of_range_are_refused(api, token, world, query):
    response = api.get(f"/facilities/{world.facility.code}/slots", token=token, **query)
    problem = assert_problem(response, 422, "invalid_request")
    assert problem["errors"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/bookings", {"date_to": "0"}),
        ("/bookings", {"date_from": "1781049600"}),
        ("/facilities/{code}/slots", {"date_from": "2026-06-11T00:00:00"}),
        ("/facilities/{code}/slots", {"date_from": "11/06/2026"}),
    ],
)
def test_a_date_not_written_as_the_document_says_is_refused(api, token, world, path, query):
    """Left to itself the parser would read 0 as 1 January 1970 and a time as a day."""
    response = api.get(path.format(code=world.facility.code), token=token, **query)
    problem = assert_problem(response, 422, "invalid_request")
    assert any(name in error["loc"] for error in problem["errors"] for name in query)


def test_a_date_typed_in_full_width_digits_is_read(api, token, world, clock):
    clock.move_to("2026-06-10 09:00")
    tomorrow = factories.slot(world.facility, on=dt.date(2026, 6, 11))
    response = api.get(
        f"/facilities/{world.facility.code}/slots",
        token=token,
        date_from="２０２６-０６-１１",
        date_to="２０２６-０６-１１",
    )
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["items"]] == [tomorrow.pk]


def test_a_roster_date_given_as_a_number_writes_nothing(api, token, world):
    before = counts()
    row = roster_row(world, "D400", legal_status="sentenced", sentence_start=0, sentence_end=None)
    problem = assert_problem(
        api.post("/prisoners/roster", {"prisoners": [row]}, token=token), 422, "invalid_request"
    )
    assert any("sentence_start" in error["loc"] for error in problem["errors"])
    assert counts() == before


@pytest.mark.parametrize("reason", ["", "   ", "\u3000"])
def test_a_decline_needs_a_reason_the_family_can_read(api, token, world, reason):
    pending = factories.contact(factories.visitor(), world.prisoner, status=Contact.Status.PENDING)
    response = api.post(
        f"/contacts/{pending.pk}/decline",
        {"reason": reason},
        token=token,
        **{"Accept-Language": "ug"},
    )
    problem = assert_problem(response, 422, "invalid_request")
    assert problem["errors"] == [
        {
            "loc": ["body", "body", "reason"],
            "msg": "سەۋەبىنى يېزىڭ؛ ئائىلىسى ئۇنى كۆرىدۇ.",
            "type": "reason_required",
        }
    ]
    pending.refresh_from_db()
    assert pending.status == Contact.Status.PENDING


def test_the_document_says_a_decline_reason_may_not_be_empty(api):
    document = api.get("/openapi.json").json()
    reason = document["components"]["schemas"]["DeclineIn"]["properties"]["reason"]
    assert reason["minLength"] == 1
    assert reason["pattern"] == r"\S"


def test_a_week_of_slots_is_the_default(api, token, world):
    inside = factories.slot(world.facility, days_ahead=2)
    factories.slot(world.facility, days_ahead=20)
    response = api.get(f"/facilities/{world.facility.code}/slots", token=token)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [inside.pk]


def test_pagination_limits_are_bounded(api, token):
    assert_problem(api.get("/bookings", token=token, limit=1000), 422, "invalid_request")
    assert_problem(api.get("/bookings", token=token, offset=-1), 422, "invalid_request")
    assert api.get("/bookings", token=token, limit=100).status_code == 200


def roster_row(world, number, **changes):
    return {
        "number": number,
        "full_name": f"Prisoner {number}",
        "level": world.prisoner.level.code,
        "legal_status": "remand",
        **changes,
    }


def test_a_roster_with_duplicate_numbers_writes_nothing_and_names_them(api, token, world):
    before = counts()
    rows = [roster_row(world, "A100"), roster_row(world, "B200"), roster_row(world, "a100")]
    problem = assert_problem(
        api.post("/prisoners/roster", {"prisoners": rows}, token=token), 422, "roster_invalid"
    )
    assert problem["detail"] == "The roster has errors; nothing was written."
    messages = [e["msg"] for e in problem["errors"]]
    assert any("A100 appears more than once" in m for m in messages), messages
    assert not any("B200" in m for m in messages)
    assert counts() == before


def test_a_roster_with_one_bad_row_writes_nothing(api, token, world):
    before = counts()
    rows = [roster_row(world, "A100"), roster_row(world, "B200", level="no-such-level")]
    problem = assert_problem(
        api.post("/prisoners/roster", {"prisoners": rows}, token=token), 422, "roster_invalid"
    )
    assert problem["errors"][0]["loc"] == ["body", "prisoners", "B200"]
    assert counts() == before


def test_a_good_roster_is_applied_once_and_is_idempotent(api, token, world):
    rows = [roster_row(world, "A100"), roster_row(world, "B200", unit="3")]
    first = api.post("/prisoners/roster", {"prisoners": rows}, token=token)
    assert first.status_code == 200, first.content
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    events = AuditEvent.objects.count()
    again = api.post("/prisoners/roster", {"prisoners": rows}, token=token)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)
    assert Prisoner.objects.filter(facility=world.facility).count() == 3
    assert (
        AuditEvent.objects.count() == events + 1
    )  # the second import is recorded, changes nothing


def test_an_officer_token_may_not_import_a_roster(api, api_token, world):
    officer = api_token()
    before = counts()
    response = api.post(
        "/prisoners/roster", {"prisoners": [roster_row(world, "A100")]}, token=officer
    )
    assert_problem(response, 403, "forbidden")
    assert counts() == before


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("zh-Hans", "您在本监狱没有执行此操作的权限。"),
        ("ug", "سىزنىڭ بۇ تۈرمىدە بۇ ئىشنى قىلىش ھوقۇقىڭىز يوق."),
        ("en", "You do not work at this facility in a role that may do this."),
    ],
)
def test_a_refusal_is_in_the_language_asked_for(api, api_token, world, language, detail):
    response = api.post(
        "/prisoners/roster",
        {"prisoners": [roster_row(world, "A100")]},
        token=api_token(),
        **{"Accept-Language": language},
    )
    assert assert_problem(response, 403, "forbidden")["detail"] == detail
    assert response["Content-Language"] == language.lower()


def test_refusals_speak_the_callers_language(api, api_token, world, slot):
    token = api_token()
    book(api, token, good_booking(world, slot))
    other = factories.prisoner(world.facility)
    visitor = factories.visitor()
    factories.contact(visitor, other)
    response = api.post(
        "/bookings",
        {**good_booking(world, slot), "prisoner_number": other.number, "visitor_ids": [visitor.pk]},
        token=token,
        **{"Idempotency-Key": "bad-input-2", "Accept-Language": "zh-hans"},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "该时段已约满，请选择其他时段。"
