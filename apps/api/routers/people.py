"""Prisoners and contacts in the integration API: roster sync, transfer, release, approvals."""

import csv
import io

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router
from ninja.pagination import paginate

from apps.api import selectors
from apps.api.auth import READ, WRITE, principal
from apps.api.pagination import Mapped, Page
from apps.api.problems import problem
from apps.api.routers.people_schemas import (
    ContactFilters,
    ContactId,
    ContactOut,
    DeclineIn,
    FacilityQuery,
    Number,
    PrisonerFilters,
    PrisonerOut,
    ReleaseIn,
    RosterIn,
    RosterOut,
    RosterRow,
    RosterRowOut,
    TransferIn,
)
from apps.api.schemas import PROBLEMS
from apps.facilities.models import Facility
from apps.people.models import Contact, Prisoner
from apps.people.selectors import roster
from apps.people.services import (
    contact_decide,
    prisoner_release,
    prisoner_transfer,
    roster_import,
)
from apps.people.services.roster import ALL_COLUMNS, CREATE, ERROR, UNCHANGED, UPDATE

router = Router(auth=READ)


def _facility(request: HttpRequest, code: str | None) -> Facility:
    facility = selectors.facility_of(principal(request), code)
    if facility is None:
        raise Http404
    return facility


def _prisoner(request: HttpRequest, number: str, code: str | None) -> Prisoner:
    prisoner = selectors.prisoner_by_number(_facility(request, code).pk, number)
    if prisoner is None:
        raise Http404
    return prisoner


def prisoner_out(prisoner: Prisoner) -> PrisonerOut:
    return PrisonerOut(
        number=prisoner.number,
        full_name=prisoner.full_name,
        facility=prisoner.facility.code,
        unit=prisoner.unit,
        level=prisoner.level.code,
        legal_status=prisoner.legal_status,
        sentence_start=prisoner.sentence_start,
        sentence_end=prisoner.sentence_end,
        status=prisoner.status,
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        prisoner_number=contact.prisoner.number,
        visitor_id=contact.visitor_id,
        visitor_name=contact.visitor.full_name,
        relationship=contact.relationship,
        status=contact.status,
        created_at=contact.created_at,
        decided_at=contact.decided_at,
        decision_reason=contact.decision_reason,
    )


@router.get(
    "/prisoners",
    response={200: list[PrisonerOut], **PROBLEMS},
    tags=["prisoners"],
    summary="List prisoners",
)
@paginate(Page)
def prisoner_list(request: HttpRequest, filters: Query[PrisonerFilters]) -> Mapped:
    facility = _facility(request, filters.facility)
    prisoners = roster(
        facility_id=facility.pk, query=filters.q, unit=filters.unit, status=filters.status or ""
    ).select_related("facility")
    return Mapped(prisoners, prisoner_out)


@router.post(
    "/prisoners/roster",
    auth=WRITE,
    response={200: RosterOut, **PROBLEMS},
    tags=["prisoners"],
    summary="Create and update prisoners from the records system, all or nothing",
)
def roster_sync(
    request: HttpRequest, body: RosterIn, where: Query[FacilityQuery]
) -> RosterOut | object:
    """The same rules as the console's CSV import: every row is checked, and nothing is written
    unless every row is right. Sending the same roster again changes nothing. A prisoner
    missing from the roster is left as it is, so a large roster may be sent in parts."""
    facility = _facility(request, where.facility)
    report = roster_import(
        actor=principal(request).user,
        facility=facility,
        csv_text=_as_csv(body.prisoners),
        dry_run=False,
    )
    if report.has_errors:
        errors = [
            {"loc": ["body", "prisoners", row.number], "msg": msg, "type": "roster"}
            for row in report.rows
            if row.action == ERROR
            for msg in row.errors
        ] + [
            {"loc": ["body", "prisoners"], "msg": msg, "type": "roster"}
            for msg in report.file_errors
        ]
        return problem(
            422, "roster_invalid", _("The roster has errors; nothing was written."), errors
        )
    counts = report.counts
    return RosterOut(
        created=counts[CREATE],
        updated=counts[UPDATE],
        unchanged=counts[UNCHANGED],
        cancelled=report.cancelled,
        rows=[
            RosterRowOut(number=r.number, action=r.action, fields=list(r.fields))
            for r in report.rows
        ],
    )


def _as_csv(rows: list[RosterRow]) -> str:
    """The roster as the CSV file the import reads, so both paths share one set of rules."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ALL_COLUMNS)
    for row in rows:
        values = row.model_dump()
        writer.writerow("" if values[name] is None else str(values[name]) for name in ALL_COLUMNS)
    return out.getvalue()


@router.get(
    "/prisoners/{number}",
    response={200: PrisonerOut, **PROBLEMS},
    tags=["prisoners"],
    summary="Read a prisoner",
)
def prisoner_detail(
    request: HttpRequest, number: Number, where: Query[FacilityQuery]
) -> PrisonerOut:
    return prisoner_out(_prisoner(request, number, where.facility))


@router.post(
    "/prisoners/{number}/transfer",
    auth=WRITE,
    response={200: PrisonerOut, **PROBLEMS},
    tags=["prisoners"],
    summary="Record a transfer; future visits are cancelled",
)
def transfer(
    request: HttpRequest, number: Number, body: TransferIn, where: Query[FacilityQuery]
) -> PrisonerOut:
    prisoner = prisoner_transfer(
        actor=principal(request).user,
        prisoner=_prisoner(request, number, where.facility),
        destination=body.destination,
        reason=body.reason,
    )
    return prisoner_out(prisoner)


@router.post(
    "/prisoners/{number}/release",
    auth=WRITE,
    response={200: PrisonerOut, **PROBLEMS},
    tags=["prisoners"],
    summary="Record a release; future visits are cancelled",
)
def release(
    request: HttpRequest, number: Number, body: ReleaseIn, where: Query[FacilityQuery]
) -> PrisonerOut:
    prisoner = prisoner_release(
        actor=principal(request).user,
        prisoner=_prisoner(request, number, where.facility),
        reason=body.reason,
        released_on=body.released_on,
    )
    return prisoner_out(prisoner)


@router.get(
    "/contacts",
    response={200: list[ContactOut], **PROBLEMS},
    tags=["contacts"],
    summary="List contacts (pending requests, approved visitors)",
)
@paginate(Page)
def contact_list(request: HttpRequest, filters: Query[ContactFilters]) -> Mapped:
    who = principal(request)
    facility = _facility(request, filters.facility)
    contacts = selectors.contacts_of(
        who, facility_id=facility.pk, status=filters.status, prisoner_number=filters.prisoner_number
    )
    return Mapped(contacts, contact_out)


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    contact = selectors.contact_of(principal(request), contact_id)
    if contact is None:
        raise Http404
    return contact


@router.post(
    "/contacts/{contact_id}/approve",
    auth=WRITE,
    response={200: ContactOut, **PROBLEMS},
    tags=["contacts"],
    summary="Approve a contact",
)
def approve(request: HttpRequest, contact_id: ContactId) -> ContactOut:
    contact = contact_decide(
        actor=principal(request).user,
        contact=_contact(request, contact_id),
        status=Contact.Status.APPROVED,
    )
    return contact_out(contact)


@router.post(
    "/contacts/{contact_id}/decline",
    auth=WRITE,
    response={200: ContactOut, **PROBLEMS},
    tags=["contacts"],
    summary="Decline a contact request, with the reason the family sees",
)
def decline(request: HttpRequest, contact_id: ContactId, body: DeclineIn) -> ContactOut:
    contact = contact_decide(
        actor=principal(request).user,
        contact=_contact(request, contact_id),
        status=Contact.Status.REJECTED,
        reason=body.reason,
    )
    return contact_out(contact)
