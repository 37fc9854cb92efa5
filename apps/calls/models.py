"""Video visits as the server sees them: devices, calls, media intervals and recordings."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class TerminalDevice(models.Model):
    """The account a Terminal's browser signs in with; it can do nothing but be that terminal."""

    terminal = models.OneToOneField(
        "facilities.Terminal", on_delete=models.CASCADE, related_name="device"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="terminal_device"
    )
    paired_at = models.DateTimeField(_("paired"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.terminal)


class TerminalPairingCode(models.Model):
    """A short-lived, single-use code an administrator gives to a terminal; stored as a keyed hash."""

    terminal = models.ForeignKey(
        "facilities.Terminal", on_delete=models.CASCADE, related_name="pairing_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.terminal} {self.created_at:%Y-%m-%d %H:%M}"


class EndReason(models.TextChoices):
    TIME_UP = "time_up", _("Time was up")
    OFFICER = "officer", _("Ended by an officer")
    FAMILY_LEFT = "family_left", _("The family left")
    NO_SHOW = "no_show", _("The family did not join")
    CANCELLED = "cancelled", _("The booking was cancelled")


class Call(models.Model):
    """What the server decided about one video booking: its clock, who joined, how it ended."""

    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.PROTECT, related_name="call"
    )
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="calls"
    )
    terminal = models.ForeignKey(
        "facilities.Terminal", on_delete=models.PROTECT, related_name="calls"
    )
    is_legal = models.BooleanField(default=False)
    supervised = models.BooleanField(_("supervised"), default=False)
    recorded = models.BooleanField(_("recorded"), default=False)
    opens_at = models.DateTimeField(_("join opens"))
    starts_at = models.DateTimeField(_("starts"))
    scheduled_ends_at = models.DateTimeField(_("scheduled end"))
    ends_at = models.DateTimeField(_("ends"))  # later than scheduled after an extension
    custody_confirmed_at = models.DateTimeField(null=True, blank=True)
    custody_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An officer put this visit on the terminal's screen, so the person in custody need not
    # find it in a list (the latest such visit that is still open is the one shown).
    opened_at_terminal_at = models.DateTimeField(null=True, blank=True)
    opened_at_terminal_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    family_joined_at = models.DateTimeField(null=True, blank=True)
    family_left_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_note = models.TextField(_("reason"), blank=True)
    lost_seconds = models.PositiveIntegerField(default=0)
    extended_seconds = models.PositiveIntegerField(default=0)
    allowance_returned = models.BooleanField(default=False)
    refund_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["facility", "starts_at"])]
        constraints = [
            # Principle 2: a legal visit is never supervised or recorded.
            models.CheckConstraint(
                condition=Q(is_legal=False) | Q(supervised=False, recorded=False),
                name="legal_call_unobserved",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lte=F("starts_at"))
                & Q(starts_at__lt=F("scheduled_ends_at"))
                & Q(ends_at__gte=F("scheduled_ends_at")),
                name="call_clock_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | ~Q(end_reason=""),
                name="ended_call_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(end_reason=EndReason.OFFICER) | ~Q(end_note=""),
                name="officer_end_written",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def reference(self) -> str:
        return self.booking.reference


class CallDisclosure(models.Model):
    """One visitor has read that the call is supervised or recorded (principle 3).

    Per visitor, not per call: a second visitor of the booking joining on
    another phone has not consented through the first one's tick.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="disclosures")
    visitor = models.ForeignKey("people.Visitor", on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "visitor"], name="one_disclosure_per_visitor"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.visitor_id}"


class CallMedia(models.Model):
    """An interval during which media was really flowing, as the terminal reported it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="media")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # The terminal socket that last reported it flowing: only that socket's close
    # ends it, so a reconnect that overlaps the old socket loses no time.
    channel = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"], condition=Q(ended_at__isnull=True), name="one_open_media_interval"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="media_interval_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.started_at:%H:%M:%S}–{self.ended_at or ''}"


class Recording(models.Model):
    """A call's recording: chunks uploaded by the terminal, deleted after the retention period."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="recording")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    chunk_count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.call_id} ({self.chunk_count})"


class RecordingChunk(models.Model):
    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    name = models.CharField(max_length=255)  # in storages["recordings"]
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "seq"], name="one_chunk_per_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.recording_id}#{self.seq}"
