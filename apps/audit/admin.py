from django.contrib import admin

from apps.audit.models import AuditEvent
from lib.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: audit events are never edited or deleted."""

    list_display = ("at", "actor", "action", "target_type", "target_id", "facility")
    list_filter = ("action", "facility")
    search_fields = ("target_id", "action")
    date_hierarchy = "at"
