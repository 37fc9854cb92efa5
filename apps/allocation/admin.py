from django.contrib import admin
from django.http import HttpRequest

from apps.allocation.models import AllocationRequest, AllocationRun, RequestWindow


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: windows, requests and runs change through the allocation services, which audit them."""

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RequestWindow)
class RequestWindowAdmin(ReadOnlyAdmin):
    list_display = ("facility", "kind", "first_day", "last_day", "status")
    list_filter = ("facility", "kind", "status")


@admin.register(AllocationRequest)
class AllocationRequestAdmin(ReadOnlyAdmin):
    list_display = ("window", "prisoner", "requested_by", "status", "outcome", "outcome_rank")
    list_filter = ("status", "outcome")
    list_select_related = ("window__facility", "prisoner", "requested_by")


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnlyAdmin):
    list_display = ("window", "status", "method", "seed", "created_at", "published_at")
    list_filter = ("status",)
