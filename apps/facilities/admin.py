from django.contrib import admin
from django.http import HttpRequest

from apps.facilities.models import Closure, Facility, Room, SessionTemplate, Slot, Terminal


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class TerminalInline(admin.TabularInline):
    model = Terminal
    extra = 0


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "time_zone", "minimum_visits_per_month")
    inlines = [RoomInline, TerminalInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Facility | None = None) -> tuple:
        # Moving a prison's zone moves its visits: only facility_time_zone_set does it
        # (manage.py facility_time_zone), refusing while families hold times.
        return ("time_zone",) if obj is not None else ()


@admin.register(SessionTemplate)
class SessionTemplateAdmin(admin.ModelAdmin):
    list_display = ("__str__", "facility", "capacity", "valid_from", "valid_to")
    list_filter = ("facility", "weekday")
    filter_horizontal = ("levels",)


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ("date", "starts_at", "room", "terminal", "capacity", "booked_count")
    list_filter = ("facility", "date")
    list_select_related = ("facility", "room", "terminal")
    # Times and seats change only through services that handle the bookings on them.
    readonly_fields = (
        "facility",
        "template",
        "room",
        "terminal",
        "date",
        "starts_at",
        "ends_at",
        "capacity",
        "booked_count",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("facility", "date", "slot", "reason", "created_by")
    readonly_fields = ("facility", "date", "slot", "reason", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # closure_create cancels the bookings a closure hits; the admin would not

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
