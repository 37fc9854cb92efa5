from django.contrib import admin
from django.http import HttpRequest

from apps.bookings.models import AllowanceUsage, Booking, BookingVisitor


class BookingVisitorInline(admin.TabularInline):
    model = BookingVisitor
    extra = 0
    readonly_fields = ("visitor",)
    can_delete = False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-only: bookings change through the booking services, which audit them."""

    list_display = ("reference", "prisoner", "kind", "status", "starts_at", "facility")
    list_filter = ("facility", "kind", "status")
    search_fields = ("reference", "prisoner__number")
    list_select_related = ("prisoner", "facility")
    inlines = [BookingVisitorInline]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AllowanceUsage)
class AllowanceUsageAdmin(admin.ModelAdmin):
    list_display = ("prisoner", "kind", "period", "period_start", "used", "allowed")
    list_filter = ("kind", "period")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
