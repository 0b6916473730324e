from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BulkReassignForm(forms.Form):
    """Move a selection, or all, of one officer's open tasks to another."""

    MOVE_ALL = "all"
    MOVE_SELECTED = "selected"

    to_user = forms.TypedChoiceField(label=_("Give the tasks to"), coerce=int, empty_value=None, error_messages={
        "required": _("Choose who receives the tasks."),
        "invalid_choice": _("This person may not be given these tasks: choose someone from the list.")})
    scope = forms.ChoiceField(choices=[(MOVE_ALL, _("All open tasks")), (MOVE_SELECTED, _("The selected tasks"))],
                              widget=forms.HiddenInput)
    tasks = forms.TypedMultipleChoiceField(coerce=int, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, receivers=(), task_ids=(), **kwargs):
        """``receivers``: the people offered, grouped ((label, ((id, name), …)), …)."""
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = [("", _("— Choose a person —")), *receivers]
        self.fields["tasks"].choices = [(pk, pk) for pk in task_ids]

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.MOVE_SELECTED and not data.get("tasks"):
            self.add_error(None, _("Select at least one task."))
        return data
