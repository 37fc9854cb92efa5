from django.contrib import admin

from apps.people.models import Contact, Prisoner, Restriction, Visitor
from lib.admin import ReadOnlyAdmin


@admin.register(Prisoner)
class PrisonerAdmin(admin.ModelAdmin):
    list_display = ("number", "full_name", "facility", "unit", "level", "legal_status", "status")
    list_filter = ("facility", "level", "status", "legal_status")
    search_fields = ("number", "full_name")
    list_select_related = ("facility", "level")


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    """Shows the document masked only; the number itself is never in a list or form here."""

    list_display = ("full_name", "document_type", "document_masked", "phone", "preferred_language")
    search_fields = ("full_name", "phone")
    fields = (
        "full_name",
        "date_of_birth",
        "document_type",
        "document_masked",
        "phone",
        "preferred_language",
    )
    readonly_fields = ("document_type", "document_masked")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("visitor", "prisoner", "relationship", "status", "created_at")
    list_filter = ("status", "relationship")
    list_select_related = ("visitor", "prisoner")


@admin.register(Restriction)
class RestrictionAdmin(ReadOnlyAdmin):
    """Read-only: restriction_create checks the minimum and cancels what a restriction forbids."""

    list_display = ("kind", "visitor", "contact", "starts_at", "ends_at", "set_by")
