"""Types shared by the routers: bounded ids, text without NUL bytes, dates as the document
writes them, the documented errors."""

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any

from django.utils.translation import gettext
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from apps.api.problems import Problem

# Ids beyond this cannot exist, and a bigger number would overflow the database's integers.
MAX_ID = 2**53
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError(gettext("Text may not contain NUL characters."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Reason = Annotated[Text, Field(max_length=2000)]


def _written(value: str) -> str:
    # A reason the family will read: the services refuse one that is empty or only spaces,
    # and so does the request, in the caller's language and with the services' own code.
    if not value.strip():
        raise PydanticCustomError(
            "reason_required", gettext("Write the reason; the family will see it.")
        )
    return value


# The document says what _written checks, so a client can see it before sending.
RequiredReason = Annotated[
    Text,
    Field(max_length=2000, json_schema_extra={"minLength": 1, "pattern": r"\S"}),
    AfterValidator(_written),
]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    # Pydantic on its own reads 0 as 1 January 1970 and "2026-06-10T00:00" as a date: a
    # client that sent either made a mistake the document (format: date) already forbids.
    # Full-width digits from a Chinese input method are the same date, so they are read.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
        if _ISO_DATE.fullmatch(value):
            return value
    raise ValueError(gettext("Give the date as YYYY-MM-DD, for example 2026-06-10."))


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
REFERENCE_PATTERN = r"^[A-Za-z0-9-]{1,12}$"
IDEMPOTENCY_PATTERN = r"^[\x20-\x7E]{8,128}$"

# Every operation documents the problems it may answer with (content type
# application/problem+json, set on the OpenAPI document in apps/api/main.py).
PROBLEMS: dict[int, type[Problem]] = {
    status: Problem for status in (400, 401, 403, 404, 409, 413, 422, 429)
}
