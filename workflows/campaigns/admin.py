from django.contrib import admin

from .models import RuleSet, StageTaskTemplate


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["name", "effective_from", "min_committee", "min_members"]


@admin.register(StageTaskTemplate)
class StageTaskTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "stage", "due_in_working_days", "order", "is_active"]
    list_filter = ["stage", "is_active"]
    list_editable = ["order", "is_active"]
