from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BulkReassignForm(forms.Form):
    """Move a selection, or all, of one officer's open tasks to another."""

    MOVE_ALL = "all"
    MOVE_SELECTED = "selected"

    to_user = forms.TypedChoiceField(label=_("Give the tasks to"), coerce=int)
    scope = forms.ChoiceField(choices=[(MOVE_ALL, _("All open tasks")), (MOVE_SELECTED, _("The selected tasks"))],
                              widget=forms.HiddenInput)
    tasks = forms.TypedMultipleChoiceField(coerce=int, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, people=(), task_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = list(people)
        self.fields["tasks"].choices = [(pk, pk) for pk in task_ids]

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.MOVE_SELECTED and not data.get("tasks"):
            self.add_error(None, _("Select at least one task."))
        return data
