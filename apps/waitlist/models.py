from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.policy.kinds import VisitKind


class WaitlistEntry(models.Model):
    """A family waiting for a full date and kind of visit with one prisoner.

    When a seat frees, the first in line is *offered* it: the seat is held for
    them (counted in the slot's ``booked_count``, so nobody else can take it)
    until ``hold_until``; they accept (a booking) or the hold lapses.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Seat held for you")
        ACCEPTED = "accepted", _("Booked")
        LAPSED = "lapsed", _("Offer lapsed")
        WITHDRAWN = "withdrawn", _("Left the waitlist")

    visitor = models.ForeignKey(
        "people.Visitor", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    prisoner = models.ForeignKey(
        "people.Prisoner", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    slot = models.ForeignKey(
        "facilities.Slot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["facility", "date", "kind", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "prisoner", "date", "kind"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_open_waitlist_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(slot__isnull=False, hold_until__isnull=False),
                name="offer_holds_a_slot",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[VisitKind.IN_PERSON, VisitKind.VIDEO]),
                name="waitlist_family_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor} → {self.prisoner} {self.date} {self.kind} ({self.status})"
