"""Forms of the campaign screens. They parse input; the rules live in the services."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows.core.forms import date_field

from .flows import AbandonReason, MeetingOutcome, Stage
from .services import CommitteeMemberData

NOTE = forms.CharField(label=_("Note"), required=False, max_length=10_000,
                       widget=forms.Textarea(attrs={"rows": 2}))


class StageStampForm(forms.Form):
    """Every transition form carries the stage its user saw."""

    expected_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    note = NOTE


class ContactEmployerForm(StageStampForm):
    held_on = date_field(_("Date of the meeting with the employer"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=MeetingOutcome.choices)
    field_order = ["held_on", "outcome", "note"]


def parse_members(text: str) -> list[CommitteeMemberData]:
    """One member a line: "Full name; job or department; phone". A line that
    starts with "*" is the head of the committee."""
    members = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        is_head = line.strip().startswith("*")
        parts = [p.strip() for p in line.strip().lstrip("*").split(";")]
        name, job, phone = (parts + ["", "", ""])[:3]
        if len(name) > 120 or len(job) > 120 or len(phone) > 20:
            raise ValidationError(_("A line is too long: name and job at most 120 characters, phone at most 20."))
        members.append(CommitteeMemberData(full_name=name, job_title=job, phone=phone, is_head=is_head))
    return members


class CommitteeField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 5, "placeholder": _("Nguyễn Văn An; tổ trưởng chuyền may; 0912345678")})

    def clean(self, value):
        return parse_members(super().clean(value))


class FormCommitteeForm(StageStampForm):
    members = CommitteeField(
        label=_("Committee members"), max_length=20_000,
        help_text=_("One member a line: full name; job or department; phone. Start the head's line with *."))
    formed_on = date_field(_("Formed on"), required=False)
    field_order = ["members", "formed_on", "note"]


class HoldCongressForm(StageStampForm):
    applications = forms.IntegerField(label=_("Membership applications received"), min_value=0, max_value=10**6)
    congress_on = date_field(_("Date of the founding congress"))
    field_order = ["applications", "congress_on", "note"]


class RecogniseForm(StageStampForm):
    decision_number = forms.CharField(label=_("Decision number"), max_length=64)
    decision_date = date_field(_("Decision date"))
    admitted_members = forms.IntegerField(label=_("Members admitted by the decision"), min_value=0,
                                          max_value=10**6)
    field_order = ["decision_number", "decision_date", "admitted_members", "note"]


class AbandonForm(StageStampForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=AbandonReason.choices)
    field_order = ["reason", "note"]


TRANSITION_FORMS: dict[str, type[StageStampForm]] = {
    "contact_employer": ContactEmployerForm,
    "form_committee": FormCommitteeForm,
    "hold_congress": HoldCongressForm,
    "recognise": RecogniseForm,
    "hold": StageStampForm,
    "resume": StageStampForm,
    "abandon": AbandonForm,
}


class MeetingForm(forms.Form):
    held_on = date_field(_("Date"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=MeetingOutcome.choices)
    attendees = forms.CharField(label=_("Attendees"), required=False, max_length=500)
    note = NOTE


class CommitteeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    members = FormCommitteeForm.base_fields["members"]
    formed_on = date_field(_("Formed on"), required=False)


class CountsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    workforce = forms.IntegerField(label=_("Workforce"), min_value=0, max_value=10**6)
    core_group = forms.IntegerField(label=_("Core group"), min_value=0, max_value=10**6)
    applications = forms.IntegerField(label=_("Membership applications"), min_value=0, max_value=10**6)
    note = NOTE


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))


class TaskAddForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=255)
    due_on = date_field(_("Due on"))
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("The working group's queue"))] + list(people)


class AssignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    working_group = forms.TypedChoiceField(label=_("Working group"), coerce=int)
    note = NOTE

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["working_group"].choices = list(groups)


class ReassignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Give to"), coerce=int, required=False, empty_value=None)
    note = NOTE

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("The working group's queue"))] + list(people)


class CompleteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)
