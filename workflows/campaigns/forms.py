"""Forms of the campaign screens. They parse input; the rules live in the
services and, for transitions, in the guards of ``flows``. A transition's
form is built from its declaration (``TransitionForm``): its fields, and its
guards, which judge the values typed in so that a refusal shows next to the
field it concerns; the service still decides."""
from __future__ import annotations

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.forms import date_field

from . import flows
from .fields import FORMED_ON_PAST, committee_field, not_after_today, note_field
from .flows import MeetingOutcome, Stage
from .models import FailureReason, Register

NOTE = note_field()


class TransitionForm(forms.Form):
    """The form of one transition (``flows.Transition``): the stage its user
    saw, the transition's own fields, and the note.

    Given the campaign (and so its rule set), it judges the values typed in
    with the transition's guards: each refusal goes on the field the
    declaration names (``Check.field``), computed on the campaign as the
    transition would record it (``proposes``); the hints state the rule
    set's figures and what is recorded now."""

    expected_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)

    def __init__(self, *args, transition: flows.Transition, campaign=None, **kwargs):
        if campaign is not None and transition.initial and "initial" not in kwargs:
            kwargs["initial"] = {"expected_stage": campaign.stage, **transition.initial(campaign)}
        elif campaign is not None:
            kwargs.setdefault("initial", {"expected_stage": campaign.stage})
        super().__init__(*args, **kwargs)
        self.transition, self.campaign = transition, campaign
        own = {name: copy.deepcopy(field) for name, field in transition.fields.items()}
        self.fields.update({name: field for name, field in own.items() if name != "note"})
        self.fields["note"] = own.get("note") or copy.deepcopy(NOTE)
        if campaign is not None and transition.hints:
            for name, hint in transition.hints(campaign, campaign.rules).items():
                field = self.fields[name]
                field.help_text = f"{field.help_text} {hint}".strip()
        if campaign is not None and campaign.register == Register.NAMES:
            derived = derived_values(campaign)
            for name in transition.derived:
                field = self.fields[name]
                field.disabled, field.required = True, False
                self.initial[name] = derived[name]
                field.help_text = str(_("Derived from the workers entered by name."))

    def clean(self):
        data = super().clean()
        if self.campaign is None:
            return data
        candidate = copy.copy(self.campaign)
        for name, value in (self.transition.proposes(data) if self.transition.proposes else {}).items():
            setattr(candidate, name, value)
        for check in self.transition.checks:
            field = check.field_for(candidate)
            if not field or field in self.errors or field not in data:
                continue  # no field of the form, or the field refused its value already: its own error says why
            reason = check.guard(candidate, self.campaign.rules)
            if reason:
                self.add_error(field, reason)
        return data

    def open_hints(self) -> list[str]:
        """What the case still lacks for the transition, as it stands, that
        no field of this form collects (those say it on their field)."""
        if self.campaign is None:
            return []
        return [reason for check in self.transition.checks
                if not check.on_input and not check.field
                and (reason := check.guard(self.campaign, self.campaign.rules))]


def derived_values(campaign) -> dict:
    """The figures of a campaign with its workers by name, as its
    transition forms show them (``flows.Transition.derived``)."""
    seats = campaign.committee_members.select_related("worker")
    return {"applications": campaign.applications, "admitted_members": campaign.admitted_members,
            "members": "\n".join(("*" if seat.is_head else "") + "; ".join(
                part for part in (seat.full_name, seat.job_title) if part) for seat in seats)}


class MeetingForm(forms.Form):
    held_on = date_field(_("Date"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=MeetingOutcome.choices)
    attendees = forms.CharField(label=_("Attendees"), required=False, max_length=500)
    note = NOTE


class CommitteeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    members = committee_field()
    formed_on = date_field(_("Formed on"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formed_on"].validators.append(not_after_today(FORMED_ON_PAST))


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
    """Mark a task done. A milestone of a new union's first year also takes
    the day it was done (empty: today) and its evidence (the service
    requires it)."""
    done_on = date_field(_("Done on"), required=False)
    note = forms.CharField(label=_("Evidence"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpFailForm(forms.Form):
    """A new grassroots union failed in its first year (supervisors)."""
    reason = forms.ChoiceField(label=_("Reason"), choices=FailureReason.choices)
    on = date_field(_("Failed on"))
    members_lost = forms.IntegerField(label=_("Members lost"), min_value=0, max_value=10**6, initial=0)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
