from django.contrib import admin

from .models import Dossier, DossierDocument


class DocumentInline(admin.TabularInline):
    model = DossierDocument
    fields = ["kind", "file_name", "size", "uploaded_by", "uploaded_at", "superseded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ["campaign", "status", "submissions", "submitted_at", "decision_number"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Dossier._meta.fields]
    inlines = [DocumentInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
