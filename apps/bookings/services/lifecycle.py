"""A booking after it is made: cancel it, check its party in, move the visit through its states."""

import hmac
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import StaffRole, User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.bookings import hooks
from apps.bookings.models import (
    TRANSITIONS,
    AllowanceUsage,
    Booking,
    BookingStatus,
    BookingVisitor,
)
from apps.bookings.services.seats import seat_return
from apps.notifications.models import Message
from apps.notifications.services import messages_for_booking
from apps.people.models import Visitor
from apps.policy.kinds import VisitKind
from lib.crypto import digest
from lib.identity import normalize_document


def booking_cancel(
    *, actor: User, booking: Booking, reason: str = "", closure: bool = False
) -> Booking:
    """Cancel a booking that has not started: its seat and its allowance are given back.

    ``closure`` says the prison closed the time, which the family is told in
    those words; the freed seat goes to the waitlist once this commits.
    """
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("slot").get(pk=booking.pk)
        is_staff = _authorize_change(actor, booking)
        if booking.status != BookingStatus.BOOKED:
            raise ValidationError(
                _("Only a booked visit that has not begun can be cancelled."),
                code="not_cancellable",
            )
        if not is_staff and booking.starts_at <= timezone.now():
            raise ValidationError(
                _("This visit has already begun and can no longer be cancelled."), code="started"
            )
        _set_status(actor, booking, BookingStatus.CANCELLED, reason)
        # The family always hears of a cancellation; the prison's carries its reason.
        kind = Message.Kind.CANCELLED_BY_PRISON if is_staff else Message.Kind.CANCELLED_BY_FAMILY
        extra: dict[str, Any] = {"closure": True} if closure else {}
        messages_for_booking(
            booking=booking, kind=kind, reference=booking.reference, reason=reason, **extra
        )
        seat_return(booking.slot_id)
        if booking.allowance_usage_id:
            AllowanceUsage.objects.filter(pk=booking.allowance_usage_id).update(used=F("used") - 1)
        audit_record(
            actor=actor,
            action="booking.cancel",
            target=booking,
            facility_id=booking.facility_id,
            reason=reason,
            by_staff=is_staff,
        )
        transaction.on_commit(_offer_freed_seat, robust=True)
    return booking


def _offer_freed_seat() -> None:
    hooks.seat_freed()


@transaction.atomic
def booking_transition(*, actor: User, booking: Booking, status: str, reason: str = "") -> Booking:
    """Move a visit on: checked in, in progress, completed, no-show or ended early (staff only)."""
    booking = Booking.objects.select_for_update().select_related("facility").get(pk=booking.pk)
    if not _authorize_change(actor, booking):
        raise PermissionDenied(
            _("Only staff of this facility can record what happened at a visit.")
        )
    if status == BookingStatus.CANCELLED:
        raise ValidationError(_("Cancel a booking through cancellation."), code="use_cancel")
    if status not in TRANSITIONS.get(booking.status, ()):
        raise ValidationError(
            _("A visit that is %(current)s cannot become %(new)s."),
            code="bad_transition",
            params={
                "current": booking.get_status_display(),
                "new": BookingStatus(status).label if status in BookingStatus.values else status,
            },
        )
    _check_timing(booking, status)
    if (
        status == BookingStatus.IN_PROGRESS
        and booking.status == BookingStatus.BOOKED
        and booking.kind != "video"
    ):
        # In the visit hall nobody reaches the table without the identity check.
        raise ValidationError(
            _("Check the visitors in before the visit starts."), code="check_in_first"
        )
    if status == BookingStatus.ENDED_EARLY and not reason.strip():
        raise ValidationError(_("Write why the visit was ended early."), code="reason_required")
    _set_status(actor, booking, status, reason)
    _tell_family(booking, status, reason)
    audit_record(
        actor=actor,
        action=f"booking.{status}",
        target=booking,
        facility_id=booking.facility_id,
        reason=reason,
    )
    return booking


def _tell_family(booking: Booking, status: str, reason: str) -> None:
    if status == BookingStatus.ENDED_EARLY:
        messages_for_booking(booking=booking, kind=Message.Kind.ENDED_EARLY, reason=reason.strip())
    elif status == BookingStatus.IN_PROGRESS and booking.kind == VisitKind.VIDEO:
        messages_for_booking(booking=booking, kind=Message.Kind.VISIT_STARTING)


def booking_check_in(*, actor: User, booking: Booking, documents: Mapping[int, str]) -> Booking:
    """Check a party in once every visitor's document matches the one they registered with.

    ``documents`` maps each visitor's id to the number typed from the document
    they hand over. A number is compared by its keyed digest and then
    forgotten: it is never stored, logged or written to the audit trail. If any
    is missing, invalid or different, nothing changes and each is named.
    """
    require_staff(actor, booking.facility_id, "visit_hall")
    with transaction.atomic():
        party = Visitor.objects.filter(bookings=booking).order_by("full_name", "pk")
        problems = [
            problem
            for visitor in party
            if (problem := _document_problem(visitor, documents.get(visitor.pk, ""))) is not None
        ]
        if problems:
            raise ValidationError(problems)
        return booking_transition(actor=actor, booking=booking, status=BookingStatus.CHECKED_IN)


def _document_problem(visitor: Visitor, typed: str) -> ValidationError | None:
    params = {"name": visitor.full_name, "visitor": visitor.pk}
    if not typed.strip():
        return ValidationError(
            _("Type the document number of %(name)s."), code="document_missing", params=params
        )
    try:
        number = normalize_document(visitor.document_type, typed)
    except ValidationError:
        return ValidationError(
            _(
                "The number typed for %(name)s is not a valid document number. Check it and type it again."
            ),
            code="document_invalid",
            params=params,
        )
    if not hmac.compare_digest(digest(number), visitor.document_digest):
        return ValidationError(
            _(
                "The number typed for %(name)s does not match the identity document they registered with."
            ),
            code="document_mismatch",
            params=params,
        )
    return None


def _check_timing(booking: Booking, status: str) -> None:
    """What happened at a visit can only be recorded once its day or its start has come."""
    now = timezone.now()
    zone = booking.facility.zone
    if (
        status == BookingStatus.CHECKED_IN
        and booking.starts_at.astimezone(zone).date() > now.astimezone(zone).date()
    ):
        raise ValidationError(
            _("Visitors can be checked in on the day of the visit only."), code="too_early"
        )
    if status in (BookingStatus.NO_SHOW, BookingStatus.COMPLETED) and booking.starts_at > now:
        raise ValidationError(_("This visit has not started yet."), code="too_early")


def _authorize_change(actor: User, booking: Booking) -> bool:
    """True for staff of the facility, False for a family member in the party; else refuse."""
    if StaffRole.objects.filter(user=actor, facility_id=booking.facility_id).exists():
        return True
    if BookingVisitor.objects.filter(booking=booking, visitor__user=actor).exists():
        return False
    raise PermissionDenied(_("This booking is not yours."))


def _set_status(actor: User, booking: Booking, status: str, reason: str) -> None:
    booking.status = status
    booking.status_changed_at = timezone.now()
    booking.status_changed_by = actor
    booking.status_reason = reason.strip()
    booking.save(
        update_fields=["status", "status_changed_at", "status_changed_by", "status_reason"]
    )
