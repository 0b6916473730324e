"""Pieces shared by the apps' Django admin modules."""
from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through the services (which check the actor's
    reach and write the audit trail), or never (the audit log): Django admin
    shows them and offers no add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
