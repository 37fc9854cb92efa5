"""The shapes of the people part of the API: prisoners, the roster, contacts (routers/people.py)."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Path, Schema
from pydantic import ConfigDict

from apps.api.schemas import MAX_ID, IsoDate, Reason, RequiredReason, Text

Number = Annotated[str, Path(pattern=r"^[^\x00/]{1,30}$")]
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]
FacilityCode = Annotated[Text, Field(max_length=40)]
MAX_ROSTER = 5000


class FacilityQuery(Schema):
    facility: FacilityCode | None = Field(
        None, description="the facility's code; needed only by staff of several facilities"
    )


class PrisonerOut(Schema):
    number: str
    full_name: str
    facility: str
    unit: str
    level: str
    legal_status: str
    sentence_start: dt.date | None
    sentence_end: dt.date | None
    status: str


class PrisonerFilters(FacilityQuery):
    q: Annotated[Text, Field(max_length=100)] = ""
    status: Literal["in_custody", "transferred", "released"] | None = None
    unit: Annotated[Text, Field(max_length=60)] = ""


class RosterRow(Schema):
    model_config = ConfigDict(extra="forbid")

    number: Annotated[Text, Field(min_length=1, max_length=30)]
    full_name: Annotated[Text, Field(min_length=1, max_length=200)]
    unit: Annotated[Text, Field(max_length=60)] = ""
    level: Annotated[Text, Field(min_length=1, max_length=30)]
    legal_status: Literal["remand", "sentenced"]
    sentence_start: IsoDate | None = None
    sentence_end: IsoDate | None = None
    status: Literal["in_custody", "transferred", "released"] = "in_custody"


class RosterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    prisoners: list[RosterRow] = Field(min_length=1, max_length=MAX_ROSTER)


class RosterRowOut(Schema):
    number: str
    action: str  # create, update or unchanged
    fields: list[str]


class RosterOut(Schema):
    created: int
    updated: int
    unchanged: int
    cancelled: list[str]  # references of the bookings cancelled for prisoners who left
    rows: list[RosterRowOut]


class TransferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    destination: Annotated[Text, Field(min_length=1, max_length=200)]
    reason: Reason


class ReleaseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    released_on: IsoDate | None = None


class ContactOut(Schema):
    id: int
    prisoner_number: str
    visitor_id: int
    visitor_name: str
    relationship: str
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str


class ContactFilters(FacilityQuery):
    status: Literal["pending", "approved", "suspended", "rejected"] | None = None
    prisoner_number: Annotated[Text, Field(min_length=1, max_length=30)] | None = None


class DeclineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: RequiredReason
