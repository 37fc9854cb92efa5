from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: a family member or a member of staff.

    One full-name field, because names do not split into given and family
    names the same way in every language the service speaks.
    """

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("full name"), max_length=200, blank=True)

    REQUIRED_FIELDS = ["email"]

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.get_full_name()


class StaffRole(models.Model):
    """A member of staff's role at one facility; staff see only their facilities."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Visits officer")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMINISTRATOR = "administrator", _("Administrator")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "facility"], name="one_role_per_facility"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.facility}"


class SignInCode(models.Model):
    """A one-time code sent by SMS; stored as a keyed hash, single-use, short-lived."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_checks = models.PositiveSmallIntegerField(default=0)
    sent_from = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"
