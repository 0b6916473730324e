"""Forms of the people pages of a case: they parse what is typed; the rules
(which workers, which dates, consent, versions) are the services' own
(``campaigns.register``), whose refusals go back on the form."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows.core import clock
from workflows.core.forms import date_field
from workflows.people.models import (
    ConsentMethod,
    ConversationKind,
    ConversationOutcome,
    EmploymentStatus,
    Gender,
    Issue,
    SupportLevel,
)
from workflows.people.services import WORKER_FIELDS, WorkerData

BACK_TO_FIELD = "field"


class IdsField(forms.Field):
    """Worker ids ticked in a list the template draws (checkboxes named like
    the field); which ids are allowed is the service's to say."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        ids = []
        for item in value:
            text = str(item).strip()
            if not (text.isascii() and text.isdigit()) or len(text) > 10:
                raise ValidationError(_("Choose workers from the list."))
            ids.append(int(text))
        return sorted(set(ids))


def _blank(choices):
    return [("", "—"), *choices]


class WorkerForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    gender = forms.ChoiceField(label=_("Gender"), choices=_blank(Gender.choices), required=False)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1930, max_value=2100)
    department = forms.CharField(label=_("Department / workshop"), max_length=120, required=False)
    line = forms.CharField(label=_("Line or team"), max_length=120, required=False)
    shift = forms.CharField(label=_("Shift"), max_length=40, required=False)
    job = forms.CharField(label=_("Job"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    zalo = forms.CharField(label=_("Zalo"), max_length=40, required=False)
    hometown = forms.CharField(label=_("Hometown"), max_length=120, required=False)
    employment_status = forms.ChoiceField(label=_("Employment status"), choices=EmploymentStatus.choices,
                                          initial=EmploymentStatus.EMPLOYED)
    citizen_id = forms.CharField(
        label=_("Citizen ID (CCCD)"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Kept only as a check code and its last four digits; never shown again."))

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in WORKER_FIELDS}


class WorkerAddForm(WorkerForm):
    consent_on = date_field(_("Consent given on"), required=False)
    consent_method = forms.ChoiceField(label=_("Consent given by"), choices=_blank(ConsentMethod.choices),
                                       required=False)

    def data_of(self) -> WorkerData:
        data = self.cleaned_data
        return WorkerData(**self.values(), citizen_id=data["citizen_id"], consent_on=data["consent_on"],
                          consent_method=data["consent_method"])


class WorkerEditForm(WorkerForm):
    """The citizen ID is write-only: never filled in; left blank it stays,
    and a tick removes it."""

    remove_citizen_id = forms.BooleanField(label=_("Remove the citizen ID"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, worker=None, **kwargs):
        if worker is not None and not args and "data" not in kwargs:
            kwargs["initial"] = {**{name: getattr(worker, name) for name in WORKER_FIELDS},
                                 "version": worker.version}
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("remove_citizen_id") and data.get("citizen_id"):
            raise ValidationError(_("Either type a new citizen ID or remove it, not both."))
        return data

    def citizen_id(self) -> str | None:
        """None keeps the citizen ID, "" removes it, a number replaces it."""
        if self.cleaned_data["remove_citizen_id"]:
            return ""
        return self.cleaned_data["citizen_id"] or None


class ConsentForm(forms.Form):
    on = date_field(_("Consent given on"))
    method = forms.ChoiceField(label=_("Consent given by"), choices=ConsentMethod.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "consent_%s")
        kwargs.setdefault("initial", {"on": clock.today()})
        super().__init__(*args, **kwargs)


class WithdrawForm(forms.Form):
    on = date_field(_("Consent withdrawn on"))
    confirm = forms.BooleanField(
        label=_("The worker withdrew consent: anonymise the record (name and contacts erased, figures kept)"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "withdraw_%s")
        kwargs.setdefault("initial", {"on": clock.today()})
        super().__init__(*args, **kwargs)


class AssessForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Support level"), choices=SupportLevel.choices, coerce=int)
    assessed_on = date_field(_("Assessed on"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    back = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "assess_%s")
        kwargs.setdefault("initial", {"assessed_on": clock.today()})
        super().__init__(*args, **kwargs)

    @property
    def to_field(self) -> bool:
        return self.cleaned_data.get("back") == BACK_TO_FIELD


class LeaderForm(forms.Form):
    is_leader = forms.BooleanField(label=_("Natural leader"), required=False)
    followers = IdsField(required=False, label=_("Workers they influence"))


class ConversationForm(forms.Form):
    held_on = date_field(_("Held on"))
    workers = IdsField(label=_("Workers spoken with"))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("One-to-one for one worker, group for several")),
                                      *ConversationKind.choices])
    issues = forms.ModelMultipleChoiceField(label=_("Issues raised"), required=False,
                                            queryset=Issue.objects.filter(is_active=True),
                                            widget=forms.CheckboxSelectMultiple)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ConversationOutcome.choices,
                                widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=200)
    next_step_on = date_field(_("Next step by"), required=False)
    create_task = forms.BooleanField(label=_("Create a task for me"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": clock.today()})
        super().__init__(*args, **kwargs)
        self.fields["issues"].label_from_instance = lambda issue: issue.label

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {"held_on": data["held_on"], "worker_ids": data["workers"], "kind": data["kind"],
                "issue_ids": [issue.pk for issue in data["issues"]], "outcome": data["outcome"],
                "note": data["note"], "next_step": data["next_step"], "next_step_on": data["next_step_on"],
                "create_task": data["create_task"]}


class QuickConversationForm(forms.Form):
    """One tap on an outcome: a one-to-one conversation today."""

    outcome = forms.ChoiceField(choices=ConversationOutcome.choices)
    note = forms.CharField(required=False, max_length=4000, label=_("Note (optional)"),
                           widget=forms.Textarea(attrs={"rows": 2}))
