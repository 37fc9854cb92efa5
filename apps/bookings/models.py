from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.policy.kinds import VisitKind


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Did not come")
    ENDED_EARLY = "ended_early", _("Ended early")


# A booking holds its seat and its allowance in these states.
ACTIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.IN_PROGRESS)

# Where a booking may go next; anything else is refused by the service.
TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.BOOKED: frozenset(
        {
            BookingStatus.CANCELLED,
            BookingStatus.CHECKED_IN,
            BookingStatus.IN_PROGRESS,
            BookingStatus.NO_SHOW,
        }
    ),
    BookingStatus.CHECKED_IN: frozenset({BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED}),
    BookingStatus.IN_PROGRESS: frozenset({BookingStatus.COMPLETED, BookingStatus.ENDED_EARLY}),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.NO_SHOW: frozenset(),
    BookingStatus.ENDED_EARLY: frozenset(),
}


class Booking(models.Model):
    """A reserved slot for a prisoner and some visitors, and the visit that follows."""

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="bookings"
    )
    slot = models.ForeignKey("facilities.Slot", on_delete=models.PROTECT, related_name="bookings")
    prisoner = models.ForeignKey(
        "people.Prisoner", on_delete=models.PROTECT, related_name="bookings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    # Copied from the slot so that the overlap rule can be a database constraint.
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    visitors = models.ManyToManyField(
        "people.Visitor", through="BookingVisitor", related_name="bookings"
    )
    # The counter this visit was taken from (the rule itself is policy's Allowance).
    allowance_usage = models.ForeignKey(
        "bookings.AllowanceUsage",
        on_delete=models.PROTECT,
        db_column="allowance_id",
        null=True,
        blank=True,
        related_name="bookings",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=128)
    request_fingerprint = models.CharField(max_length=64)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_reason = models.TextField(_("reason"), blank=True)
    # Written by a supervisor who booked past the allowance; such a booking
    # uses no allowance, so cancelling it has none to give back.
    allowance_override_reason = models.TextField(
        _("reason for going past the allowance"), blank=True
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["prisoner", "starts_at"]),
            models.Index(fields=["slot", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], name="booking_idempotency_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(kind=VisitKind.LEGAL, allowance_usage__isnull=True)
                | ~Q(kind=VisitKind.LEGAL),
                name="legal_visit_uses_no_allowance",
            ),
            # A family visit counts against the allowance, or says why it did not.
            models.CheckConstraint(
                condition=Q(kind=VisitKind.LEGAL)
                | Q(allowance_usage__isnull=False)
                | ~Q(allowance_override_reason=""),
                name="family_visit_counted_or_overridden",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class BookingVisitor(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="party")
    visitor = models.ForeignKey("people.Visitor", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "visitor"], name="visitor_once_per_booking"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.visitor_id}"


class AllowanceUsage(models.Model):
    """Visits of one kind a prisoner has used in one period, and what the policy allowed.

    The check constraint is the database's own guarantee that an allowance is
    never overspent, whatever the concurrency.
    """

    class Period(models.TextChoices):
        MONTH = "month", _("month")
        WEEK = "week", _("week")

    prisoner = models.ForeignKey(
        "people.Prisoner", on_delete=models.PROTECT, related_name="allowances"
    )
    kind = models.CharField(max_length=20, choices=VisitKind.choices)
    period = models.CharField(max_length=10, choices=Period.choices)
    period_start = models.DateField()
    used = models.PositiveSmallIntegerField(default=0)
    allowed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prisoner", "kind", "period", "period_start"],
                name="one_usage_row_per_period",
            ),
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=F("allowed")),
                name="allowance_never_overspent",
            ),
            models.CheckConstraint(
                condition=~Q(kind=VisitKind.LEGAL), name="legal_visits_not_counted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prisoner} {self.kind} {self.period_start}: {self.used}/{self.allowed}"
