"""Request windows, the families' ranked requests, and allocation runs with their outcomes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.allocation.solver import MAX_CHOICES
from apps.policy.kinds import VisitKind


class RequestWindow(models.Model):
    """A period of visiting times for which families rank requests instead of racing to book."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for requests")
        CLOSED = "closed", _("Closed, not yet allocated")
        PUBLISHED = "published", _("Allocated and published")

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="request_windows"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    max_choices = models.PositiveSmallIntegerField(_("choices per request"), default=3)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    slots = models.ManyToManyField("facilities.Slot", related_name="request_windows")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="window_days_ordered"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__gte=1) & Q(max_choices__lte=MAX_CHOICES),
                name="window_choices_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind=VisitKind.LEGAL), name="window_family_visits_only"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.kind} {self.first_day}–{self.last_day}"


class AllocationRequest(models.Model):
    """One family's request for one visit with one prisoner: a party and ranked times."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the allocation")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ALLOCATED = "allocated", _("Visit booked")
        NOT_ALLOCATED = "not_allocated", _("No seat this time")

    window = models.ForeignKey(RequestWindow, on_delete=models.PROTECT, related_name="requests")
    prisoner = models.ForeignKey(
        "people.Prisoner", on_delete=models.PROTECT, related_name="allocation_requests"
    )
    requested_by = models.ForeignKey(
        "people.Visitor", on_delete=models.PROTECT, related_name="allocation_requests"
    )
    party = models.ManyToManyField("people.Visitor", related_name="+")
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.PENDING
    )
    # What the published run decided, as a code and its parameters (see explanations.py).
    outcome = models.CharField(max_length=30, blank=True)
    outcome_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_detail = models.TextField(blank=True)
    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["window", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "prisoner", "requested_by"],
                condition=~Q(status="withdrawn"),
                name="one_live_request_per_family_prisoner_window",
            ),
            models.CheckConstraint(
                condition=~Q(status="allocated") | Q(booking__isnull=False),
                name="allocated_request_has_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window_id}: {self.prisoner_id} by {self.requested_by_id}"


class RequestChoice(models.Model):
    request = models.ForeignKey(AllocationRequest, on_delete=models.CASCADE, related_name="choices")
    slot = models.ForeignKey("facilities.Slot", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["request", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["request", "rank"], name="choice_rank_unique"),
            models.UniqueConstraint(fields=["request", "slot"], name="choice_slot_unique"),
            models.CheckConstraint(
                condition=Q(rank__gte=1) & Q(rank__lte=MAX_CHOICES), name="choice_rank_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} #{self.rank}: {self.slot_id}"


class AllocationRun(models.Model):
    """One solve of a closed window: previewed with its figures, then perhaps published."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded by a later preview")

    window = models.ForeignKey(RequestWindow, on_delete=models.PROTECT, related_name="runs")
    seed = models.BigIntegerField(_("seed"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREVIEW
    )
    method = models.CharField(max_length=10)
    figures = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["window"],
                condition=Q(status="published"),
                name="one_published_run_per_window",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of window {self.window_id} ({self.status})"


class RunOutcome(models.Model):
    """What a run decided for one request, and why."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="outcomes")
    request = models.ForeignKey(AllocationRequest, on_delete=models.CASCADE, related_name="+")
    slot = models.ForeignKey(
        "facilities.Slot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.CharField(max_length=30)

    class Meta:
        ordering = ["run", "request"]
        constraints = [
            models.UniqueConstraint(fields=["run", "request"], name="one_outcome_per_request"),
            models.CheckConstraint(
                condition=Q(slot__isnull=True, rank__isnull=True)
                | Q(slot__isnull=False, rank__isnull=False),
                name="outcome_slot_with_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.request_id}: {self.code}"
