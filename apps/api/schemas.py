"""Types shared by the routers: bounded ids, text without NUL bytes, the documented errors."""

from typing import Annotated

from django.utils.translation import gettext
from pydantic import AfterValidator, Field

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
REFERENCE_PATTERN = r"^[A-Za-z0-9-]{1,12}$"
IDEMPOTENCY_PATTERN = r"^[\x20-\x7E]{8,128}$"

# Every operation documents the problems it may answer with (content type
# application/problem+json, set on the OpenAPI document in apps/api/main.py).
PROBLEMS: dict[int, type[Problem]] = {
    status: Problem for status in (400, 401, 403, 404, 409, 413, 422, 429)
}
