"""The Django admin's read-only page, for records that change only through their services.

A service checks permission, applies the rules and audits; the admin would do none of that, so
these records are shown there and never added, changed or deleted.
"""

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
