"""The workplace issues (reference data, national): the organisation
department keeps the list in the admin; an issue no longer used is
switched off, not deleted (conversations and visits keep it)."""
from django.contrib import admin

from .models import Issue


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "name_en", "code")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
