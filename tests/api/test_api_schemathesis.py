"""Schemathesis drives every operation of the live API (the whole Django stack, in process)
with generated input: no answer may be a 5xx, and every answer must match its documented
schema. Half the cases are steered to real records, so the generated bodies reach the services
rather than stopping at 404."""

import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_client import path_values, seed_records, valid_request

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the app must not close the test's database connection
    (it would on PostgreSQL, at the end of each request, inside the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(world, api_token, settings):
    settings.API_TOKEN_RATE = "100000/m"
    return {**seed_records(world), "token": api_token(scope="write", role="administrator")}


# Beside the body: its content type (problems are application/problem+json), a status code
# the document lists for the operation, and the headers it promises (Idempotent-Replayed).
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
    response_headers_conformance,
]

# Loaded from the running application itself: the document it serves at its stable path.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


# The same document, for requests that break it (a date given as 0, an empty reason, a
# number past its maximum): the server must refuse each, never accept what the document forbids.
# Unknown extra parameters are left out: HTTP lets a client send headers the API ignores.
broken = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
broken.config.generation.update(modes=[GenerationMode.NEGATIVE], allow_extra_parameters=False)


def steer(case, known) -> None:
    """Point about half of the cases at real records (chosen by the case itself, so it replays),
    with bodies close enough to right that writes get past the rules and succeed now and then."""
    seed = repr((case.path_parameters, case.query, case.body, case.headers))
    if zlib.crc32(seed.encode()) % 2:
        return
    visit = case.path.startswith("/api/v1/visits/")
    for name in ("reference", "number", "contact_id", "code"):
        if name in (case.path_parameters or {}):
            field = "started" if visit and name == "reference" else name
            case.path_parameters[name] = known[field]
    if case.query and "facility" in case.query:
        case.query["facility"] = known["code"]
    if isinstance(case.body, dict) and "slot_id" in case.body:
        case.body.update(
            slot_id=known["slot_id"],
            prisoner_number=known["number"],
            visitor_ids=[known["visitor_id"]],
            kind="in_person",
        )
    if isinstance(case.body, dict) and isinstance(case.body.get("prisoners"), list):
        for row in case.body["prisoners"]:
            if isinstance(row, dict):
                row.update(level=known["level"], sentence_start=None, sentence_end=None)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_with_generated_input(case, seeded):
    steer(case, seeded)
    case.call_and_validate(
        # The werkzeug client does not unzip what GZipMiddleware compresses.
        headers={
            "Authorization": f"Bearer {seeded['token']}",
            "Accept-Language": "en",
            "Accept-Encoding": "identity",
        },
        checks=CHECKS,
    )


@broken.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_refuses_input_that_breaks_the_document(case, seeded):
    # Not steered: steering would mend the very part of the request that was broken.
    case.call_and_validate(
        headers={
            "Authorization": f"Bearer {seeded['token']}",
            "Accept-Language": "en",
            "Accept-Encoding": "identity",
        },
        checks=[not_a_server_error, negative_data_rejection],
    )


OPERATIONS = [
    (operation.method.upper(), operation.path)
    for operation in (result.ok() for result in schema.get_all_operations())
]


def test_every_operation_is_listed():
    assert len(OPERATIONS) == 17, OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_succeeds_with_a_right_request_and_answers_to_its_schema(
    seeded, method, path
):
    """Generated input mostly meets refusals; this makes sure each success answer, the writes'
    included, is checked against the document too."""
    template = path.removeprefix("/api/v1")
    _path, body = valid_request(template, seeded)
    values = path_values(template, seeded)
    operation = schema[path][method]
    case = operation.Case(
        path_parameters={p.name: values[p.name] for p in operation.path_parameters},
        headers={"Idempotency-Key": "schema-0001"} if path == "/api/v1/bookings" else {},
        body=body if method == "POST" and operation.body else NOT_SET,
    )
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {seeded['token']}", "Accept-Encoding": "identity"},
        checks=CHECKS,
    )
    assert 200 <= response.status_code < 300, response.text
