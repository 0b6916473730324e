"""Forms of the campaign screens. They parse input; the rules live in the
services and, for transitions, in the guards of ``flows``. A transition form
asks those guards about the values typed in, so that a refusal shows next to
the field it concerns; the service still decides."""
from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy as _

from workflows.core import clock
from workflows.core.forms import date_field

from . import flows
from .flows import AbandonReason, MeetingOutcome, Stage
from .services import CommitteeMemberData

NOTE = forms.CharField(label=_("Note"), required=False, max_length=10_000,
                       widget=forms.Textarea(attrs={"rows": 2}))


def _figure(value: int) -> str:
    return number_format(value, force_grouping=True)


def not_after_today(message: str) -> Callable[[dt.date | None], None]:
    """A date field's check: the day has come (the services refuse a later
    one with the same sentence)."""
    def check(value: dt.date | None) -> None:
        if value is not None and value > clock.today():
            raise ValidationError(message)
    return check


class StageStampForm(forms.Form):
    """Every transition form carries the stage its user saw.

    Given the campaign (and so its rule set), a form judges the values typed
    in with the transition's own guards (``flows``): ``guard_fields`` says
    which field each guard's refusal belongs to, ``proposed`` what the
    transition would record on the campaign; the hints (``field_hints``)
    state the rule set's figures and what is recorded now."""

    expected_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    note = NOTE
    #: guard → the field whose value it judges
    guard_fields: dict[flows.Guard, str] = {}

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        if campaign is not None:
            for name, hint in self.field_hints(campaign, campaign.rules).items():
                field = self.fields[name]
                field.help_text = f"{field.help_text} {hint}".strip()

    def field_hints(self, campaign, rules: flows.Rules) -> dict[str, str]:
        return {}

    def proposed(self, data: dict) -> dict:
        """The campaign's attributes as the transition would record them."""
        return {}

    def guard_field(self, guard: flows.Guard, candidate) -> str:
        return self.guard_fields[guard]

    def clean(self):
        data = super().clean()
        if self.campaign is None or not self.guard_fields:
            return data
        candidate = copy.copy(self.campaign)
        for name, value in self.proposed(data).items():
            setattr(candidate, name, value)
        for guard in self.guard_fields:
            field = self.guard_field(guard, candidate)
            if field in self.errors or field not in data:
                continue  # the field refused its value already: its own error says why
            reason = guard(candidate, self.campaign.rules)
            if reason:
                self.add_error(field, reason)
        return data

    def open_hints(self, spec: flows.TransitionSpec) -> list[str]:
        """What the case still lacks for the transition, as it stands, that
        no field of this form collects (those say it on their field)."""
        if self.campaign is None:
            return []
        return [reason for guard in spec.guards
                if guard not in self.guard_fields and (reason := guard(self.campaign, self.campaign.rules))]


class ContactEmployerForm(StageStampForm):
    held_on = date_field(_("Date of the meeting with the employer"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=MeetingOutcome.choices)
    field_order = ["held_on", "outcome", "note"]
    guard_fields = {flows.employer_meeting_recorded: "held_on"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].validators.append(
            not_after_today(_("A meeting cannot be recorded before it takes place.")))

    def proposed(self, data: dict) -> dict:
        return {"employer_met_on": data.get("held_on")}


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
        if not name:
            raise ValidationError(_("Every committee member needs a name."))
        members.append(CommitteeMemberData(full_name=name, job_title=job, phone=phone, is_head=is_head))
    if sum(m.is_head for m in members) > 1:
        raise ValidationError(_("The committee has one head."))
    return members


class CommitteeField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 5, "placeholder": _("Nguyễn Văn An; tổ trưởng chuyền may; 0912345678")})

    def clean(self, value):
        return parse_members(super().clean(value))


_FORMED_ON_PAST = _("The committee cannot be formed in the future.")


class FormCommitteeForm(StageStampForm):
    members = CommitteeField(
        label=_("Committee members"), max_length=20_000,
        help_text=_("One member a line: full name; job or department; phone. Start the head's line with *."))
    formed_on = date_field(_("Formed on"), required=False)
    field_order = ["members", "formed_on", "note"]
    guard_fields = {flows.committee_formed: "members"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formed_on"].validators.append(not_after_today(_FORMED_ON_PAST))

    def field_hints(self, campaign, rules: flows.Rules) -> dict[str, str]:
        return {"members": gettext("The rule set in force asks for at least %(need)s members; "
                                   "%(have)s recorded now.") % {
            "need": _figure(rules.min_committee), "have": _figure(campaign.committee_size)}}

    def proposed(self, data: dict) -> dict:
        return {"committee_size": len(data.get("members") or [])}


class HoldCongressForm(StageStampForm):
    applications = forms.IntegerField(label=_("Membership applications received"), min_value=0, max_value=10**6)
    congress_on = date_field(_("Date of the founding congress"))
    field_order = ["applications", "congress_on", "note"]
    guard_fields = {flows.enough_applications: "applications", flows.congress_date_recorded: "congress_on"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["congress_on"].validators.append(
            not_after_today(_("The founding congress cannot be recorded before it is held.")))

    def field_hints(self, campaign, rules: flows.Rules) -> dict[str, str]:
        return {"applications": gettext("The rule set in force asks for at least %(need)s applications; "
                                        "%(have)s recorded now.") % {
            "need": _figure(rules.min_members), "have": _figure(campaign.applications)}}

    def proposed(self, data: dict) -> dict:
        return {"applications": data.get("applications"), "congress_on": data.get("congress_on")}


class RecogniseForm(StageStampForm):
    decision_number = forms.CharField(label=_("Decision number"), max_length=64)
    decision_date = date_field(_("Decision date"))
    admitted_members = forms.IntegerField(label=_("Members admitted by the decision"), min_value=0,
                                          max_value=10**6)
    field_order = ["decision_number", "decision_date", "admitted_members", "note"]
    guard_fields = {flows.decision_recorded: "decision_number", flows.enough_admitted: "admitted_members"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision_date"].validators.append(
            not_after_today(_("The decision date cannot be in the future.")))

    def field_hints(self, campaign, rules: flows.Rules) -> dict[str, str]:
        return {"admitted_members": gettext("The rule set in force asks for at least %(need)s members; "
                                            "%(have)s applications recorded.") % {
            "need": _figure(rules.min_members), "have": _figure(campaign.applications)}}

    def proposed(self, data: dict) -> dict:
        return {"decision_number": (data.get("decision_number") or "").strip(),
                "decision_date": data.get("decision_date"), "admitted_members": data.get("admitted_members")}


class AbandonForm(StageStampForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=AbandonReason.choices)
    field_order = ["reason", "note"]
    guard_fields = {flows.abandon_reason_given: "reason"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = _("Required when the reason is “Other”.")

    def guard_field(self, guard: flows.Guard, candidate) -> str:
        # "Other" without an explanation: the note is what is missing
        return "note" if candidate.abandon_reason in AbandonReason.values else "reason"

    def proposed(self, data: dict) -> dict:
        return {"abandon_reason": data.get("reason") or "", "abandon_note": (data.get("note") or "").strip()}


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formed_on"].validators.append(not_after_today(_FORMED_ON_PAST))


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
