"""Writes about people: visitors, contacts and restrictions."""

from apps.people.services.contacts import (
    NOT_FOUND,
    contact_decide,
    contact_request,
    contact_request_by_number,
    same_name,
)
from apps.people.services.party import party_consent_give, party_consent_withdraw
from apps.people.services.prisoners import (
    prisoner_change,
    prisoner_release,
    prisoner_transfer,
)
from apps.people.services.restrictions import restriction_create
from apps.people.services.roster import ImportReport, RowOutcome, roster_import
from apps.people.services.visitors import visitor_register, visitor_set_language

__all__ = [
    "NOT_FOUND",
    "ImportReport",
    "RowOutcome",
    "contact_decide",
    "contact_request",
    "contact_request_by_number",
    "party_consent_give",
    "party_consent_withdraw",
    "prisoner_change",
    "prisoner_release",
    "prisoner_transfer",
    "restriction_create",
    "roster_import",
    "same_name",
    "visitor_register",
    "visitor_set_language",
]
