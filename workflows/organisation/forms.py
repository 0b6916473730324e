from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _, ngettext

from .selectors import ReassignPreview, Receivers


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

    def __init__(self, data=None, *, actor, officer_id: int, tasks, receivers: Receivers):
        """``tasks``: the officer's open tasks the actor may reassign;
        ``receivers``: who the actor may give them to (``selectors.receivers_for``)."""
        super().__init__(data)
        self.actor, self.officer_id, self.all_tasks, self.receivers = actor, officer_id, tasks, receivers
        self.fields["to_user"].choices = [("", _("— Choose a person —")), *receivers.choices]
        self.fields["tasks"].choices = [(task.pk, task.pk) for task in tasks]
        self.preview: ReassignPreview | None = None

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.MOVE_SELECTED and not data.get("tasks"):
            self.add_error(None, _("Select at least one task."))
        if self.errors:
            return data
        moving = self.all_tasks if data["scope"] == self.MOVE_ALL else [t for t in self.all_tasks
                                                                         if t.pk in data["tasks"]]
        self.preview = self.receivers.preview(self.actor, data["to_user"], moving)
        if self.preview.refused:
            self.add_error("to_user", ngettext(
                "%(name)s does not work on the campaign of %(count)d of these tasks: choose someone else.",
                "%(name)s does not work on the campaigns of %(count)d of these tasks: choose someone else.",
                self.preview.refused) % {"name": self.preview.receiver, "count": self.preview.refused})
        return data

    def which_tasks(self) -> dict:
        """The tasks to move, as ``tasks_bulk_reassign`` takes them: all the
        officer's open tasks, or the selected ones."""
        if self.cleaned_data["scope"] == self.MOVE_ALL:
            return {"from_user_id": self.officer_id}
        return {"task_ids": self.cleaned_data["tasks"]}
