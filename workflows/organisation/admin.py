"""Django admin holds reference data only: everything else has its own screens."""
from django.contrib import admin

from .models import CalendarDay, UnitKind


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
