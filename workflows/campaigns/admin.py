from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .flows import DocumentKind
from .models import RuleSet, StageTaskTemplate


class RuleSetForm(forms.ModelForm):
    required_documents = forms.TypedMultipleChoiceField(
        label=_("recognition: required documents"), choices=DocumentKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = RuleSet
        fields = "__all__"  # noqa: DJ007 — the admin edits the whole rule set


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    form = RuleSetForm
    list_display = ["name", "effective_from", "min_committee", "min_members", "verification_days", "decision_days"]


@admin.register(StageTaskTemplate)
class StageTaskTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "stage", "due_in_working_days", "order", "is_active"]
    list_filter = ["stage", "is_active"]
    list_editable = ["order", "is_active"]
