"""Writes about people: visitors, contacts and restrictions."""

from apps.people.services.contacts import (
    NOT_FOUND,
    contact_decide,
    contact_request,
    contact_request_by_number,
    same_name,
)
from apps.people.services.restrictions import restriction_create
from apps.people.services.visitors import visitor_register, visitor_set_language

__all__ = [
    "NOT_FOUND",
    "contact_decide",
    "contact_request",
    "contact_request_by_number",
    "restriction_create",
    "same_name",
    "visitor_register",
    "visitor_set_language",
]
