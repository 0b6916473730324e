from __future__ import annotations

from collections.abc import Callable, Sequence

from django import forms
from django.utils.translation import gettext_lazy as _, ngettext

from .selectors import OFFICER_TASKS_PER_PAGE, ReassignPreview, Receivers, TaskPlace


class TaskIdsField(forms.TypedMultipleChoiceField):
    """Task ids, as many as a page shows at most. Which of them may move is
    not decided here, by the rows a page showed, but by the form's ``clean``
    against the officer's tasks in the database."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)

    def valid_value(self, value) -> bool:
        text = str(value)
        return text.isascii() and text.isdigit() and 0 < len(text) <= 18

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > OFFICER_TASKS_PER_PAGE:
            raise forms.ValidationError(_("Choose at most %(count)d tasks at a time.") % {
                "count": OFFICER_TASKS_PER_PAGE})


class BulkReassignForm(forms.Form):
    """Move a selection, or all, of one officer's open tasks to another."""

    MOVE_ALL = "all"
    MOVE_SELECTED = "selected"

    to_user = forms.TypedChoiceField(label=_("Give the tasks to"), coerce=int, empty_value=None, error_messages={
        "required": _("Choose who receives the tasks."),
        "invalid_choice": _("This person may not be given these tasks: choose someone from the list.")})
    scope = forms.ChoiceField(choices=[(MOVE_ALL, _("All open tasks")), (MOVE_SELECTED, _("The selected tasks"))],
                              widget=forms.HiddenInput)
    tasks = TaskIdsField()
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, actor, officer_id: int, places: Sequence[TaskPlace], receivers: Receivers,
                 places_of: Callable[[list[int]], list[TaskPlace]]):
        """``places``: where all the officer's open tasks that the actor may
        reassign sit; ``receivers``: who the actor may give them to
        (``selectors.receivers_for``); ``places_of(ids)``: where those of
        ``ids`` that are among these tasks sit (read from the database)."""
        super().__init__(data)
        self.actor, self.officer_id, self.all_places, self.receivers = actor, officer_id, places, receivers
        self.places_of = places_of
        self.fields["to_user"].choices = [("", _("— Choose a person —")), *receivers.choices]
        self.preview: ReassignPreview | None = None

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.MOVE_SELECTED and not data.get("tasks") and "tasks" not in self.errors:
            self.add_error(None, _("Select at least one task."))
        if self.errors:
            return data
        if data["scope"] == self.MOVE_ALL:
            moving = self.all_places
        else:
            chosen = set(data["tasks"])
            moving = self.places_of(sorted(chosen))
            if sum(p.count for p in moving) != len(chosen):
                self.add_error("tasks", _("Some of the chosen tasks are no longer open tasks of this person that "
                                          "you may reassign: reload the page and choose again."))
                return data
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
