from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from workflows.organisation.admin import ReferenceDataAdmin, ScopeFilter

from . import flows
from .flows import DocumentKind
from .models import RuleSet, RuleSetLimit, StageTaskTemplate


class RuleSetForm(forms.ModelForm):
    required_documents = forms.TypedMultipleChoiceField(
        label=_("recognition: required documents"), choices=DocumentKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = RuleSet
        fields = "__all__"  # noqa: DJ007 — the admin edits the whole rule set


class RuleSetLimitFormSet(BaseInlineFormSet):
    """A new rule set offers a row per working stage (a row left without its
    working days is not saved: that stage has no limit)."""

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is None or instance.pk is None:
            kwargs.setdefault("initial", [{"stage": stage} for stage in flows.WORKING_STAGES])
        super().__init__(*args, **kwargs)


class RuleSetLimitInline(admin.TabularInline):
    model = RuleSetLimit
    formset = RuleSetLimitFormSet

    def get_extra(self, request, obj=None, **kwargs):
        return len(flows.WORKING_STAGES) if obj is None else 1


@admin.register(RuleSet)
class RuleSetAdmin(ReferenceDataAdmin):
    form = RuleSetForm
    inlines = [RuleSetLimitInline]
    list_display = ["name", "effective_from", "unit", "min_committee", "min_members", "verification_days",
                    "decision_days"]
    list_filter = [ScopeFilter]
    search_fields = ["name", "unit__name"]

    def snapshot(self, obj) -> dict:
        return {**super().snapshot(obj), "limits": {limit.stage: limit.working_days for limit in obj.limits.all()}}


@admin.register(StageTaskTemplate)
class StageTaskTemplateAdmin(ReferenceDataAdmin):
    list_display = ["title", "stage", "unit", "due_in_working_days", "order", "is_active"]
    list_filter = ["stage", "is_active", ScopeFilter]
    list_editable = ["order", "is_active"]
    search_fields = ["title", "unit__name"]
