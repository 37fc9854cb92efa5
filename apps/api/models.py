from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import StaffRole


class ApiToken(models.Model):
    """A secret an integrating system sends as ``Authorization: Bearer``, scoped to one facility.

    Only a digest of the secret is kept; ``prefix`` is a short, non-secret part
    of it that finds the row. The token acts through its own system account, a
    user holding a staff role at the facility, so the services authorize it as
    they would a member of staff and the audit trail names it.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    role = models.CharField(
        _("acts as"),
        max_length=20,
        choices=StaffRole.Role.choices,
        default=StaffRole.Role.OFFICER,
    )
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "write"]), name="api_token_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
