"""Django admin holds reference data; units and working groups are shown there read-only (they change
through the services). Everything else has its own screens."""
from django.contrib import admin

from workflows.core.admin import ReadOnlyAdmin

from .models import CalendarDay, Unit, UnitKind, WorkingGroup


@admin.register(UnitKind)
class UnitKindAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "is_grassroots", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"code": ["name_en"]}


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "leader", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["unit", "leader"]
    search_fields = ["name", "unit__name"]
    ordering = ["unit__path", "name"]
