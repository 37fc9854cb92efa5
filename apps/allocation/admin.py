from django.contrib import admin

from apps.allocation.models import AllocationRequest, AllocationRun, RequestWindow
from lib.admin import ReadOnlyAdmin


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
