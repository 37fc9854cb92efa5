from django.contrib import admin

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
    readonly_fields = ("booked_count",)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("facility", "date", "slot", "reason", "created_by")
    readonly_fields = ("facility", "date", "slot", "reason", "created_by")
