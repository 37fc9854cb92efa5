from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One message to one visitor, written in the same transaction as the change it reports.

    It is an outbox: a sender delivers pending messages later, so a change is
    never lost for want of an SMS, and a message is never sent for a change
    that was rolled back.
    """

    class Kind(models.TextChoices):
        BOOKED = "booked", _("Visit booked")
        CANCELLED_BY_FAMILY = "cancelled_by_family", _("Visit cancelled by the family")
        CANCELLED_BY_PRISON = "cancelled_by_prison", _("Visit cancelled by the prison")
        CONTACT_APPROVED = "contact_approved", _("Contact approved")
        CONTACT_REJECTED = "contact_rejected", _("Contact not approved")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Could not be delivered")

    recipient = models.ForeignKey(
        "people.Visitor", on_delete=models.PROTECT, related_name="messages"
    )
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
