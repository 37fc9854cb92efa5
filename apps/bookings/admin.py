from django.contrib import admin

from apps.bookings.models import AllowanceUsage, Booking, BookingVisitor
from lib.admin import ReadOnlyAdmin


class BookingVisitorInline(admin.TabularInline):
    model = BookingVisitor
    extra = 0
    readonly_fields = ("visitor",)
    can_delete = False


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Read-only: bookings change through the booking services, which audit them."""

    list_display = ("reference", "prisoner", "kind", "status", "starts_at", "facility")
    list_filter = ("facility", "kind", "status")
    search_fields = ("reference", "prisoner__number")
    list_select_related = ("prisoner", "facility")
    inlines = [BookingVisitorInline]


@admin.register(AllowanceUsage)
class AllowanceUsageAdmin(ReadOnlyAdmin):
    list_display = ("prisoner", "kind", "period", "period_start", "used", "allowed")
    list_filter = ("kind", "period")
