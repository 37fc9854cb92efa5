from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One message to one visitor by one channel, written in the transaction of the change it reports.

    It is an outbox: a sender delivers pending messages later, so a change is
    never lost for want of an SMS, and a message is never sent for a change
    that was rolled back. The sender claims a message by moving it to
    ``sending`` with a lease; the message id is the idempotency key the
    delivery backend sees, so a message is delivered at most once.
    """

    class Kind(models.TextChoices):
        BOOKED = "booked", _("Visit booked")
        CANCELLED_BY_FAMILY = "cancelled_by_family", _("Visit cancelled by the family")
        CANCELLED_BY_PRISON = "cancelled_by_prison", _("Visit cancelled by the prison")
        CONTACT_APPROVED = "contact_approved", _("Contact approved")
        CONTACT_REJECTED = "contact_rejected", _("Contact not approved")
        CONTACT_UNANSWERED = "contact_unanswered", _("Contact request not answered in time")
        VISIT_STARTING = "visit_starting", _("Visit about to start")
        ENDED_EARLY = "ended_early", _("Visit ended early")
        TIME_REFUNDED = "time_refunded", _("Visit time given back")
        REMINDER_DAY_BEFORE = "reminder_day_before", _("Reminder the day before")
        REMINDER_SOON = "reminder_soon", _("Reminder shortly before")
        WAITLIST_OFFER = "waitlist_offer", _("A seat is held for you")
        REQUEST_NOT_MET = "request_not_met", _("Visit request not met")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Could not be delivered")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    recipient = models.ForeignKey(
        "people.Visitor", on_delete=models.PROTECT, related_name="messages"
    )
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.SMS
    )
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)  # e-mail given to the mail server
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]
        constraints = [
            # A reminder reaches each person in the party once per booking, whoever queues it.
            models.UniqueConstraint(
                fields=["booking", "recipient", "channel", "kind"],
                condition=Q(kind__in=["reminder_day_before", "reminder_soon"]),
                name="one_reminder_per_booking_kind",
            ),
            models.CheckConstraint(
                condition=~Q(state="sending") | Q(lease_until__isnull=False),
                name="message_sending_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"

    @property
    def idempotency_key(self) -> str:
        return f"visitline-message-{self.pk}"
