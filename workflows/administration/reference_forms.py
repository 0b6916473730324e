"""Forms of the reference-data screens: they parse what the administrator
typed into the values the services take (``reference``); the rules live in
the services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.campaigns import flows
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import TEMPLATE_STAGES, Milestone
from workflows.core.forms import date_field

from .reference import DUES_WITHIN_MONTHS, FOLLOW_UP_MONTHS, DayValues, RuleSetValues, TemplateValues

#: The working stages (a rule set's time limits).
STAGES = [(stage, Stage(stage).label) for stage in flows.WORKING_STAGES]
#: The stages a checklist is kept for: the working stages and the first year after recognition.
CHECKLIST_STAGES = list(TEMPLATE_STAGES)


class TemplateForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=CHECKLIST_STAGES)
    title = forms.CharField(label=_("Title"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_in_working_days = forms.IntegerField(label=_("Due in (working days after the stage is entered)"),
                                             min_value=0, max_value=365, initial=5)
    order = forms.IntegerField(label=_("Order in the checklist"), min_value=0, max_value=1000, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    milestone = forms.ChoiceField(
        label=_("Milestone"), required=False, choices=[("", "—"), *Milestone.choices],
        help_text=_("First year after recognition only: which milestone the task is (one task per milestone)."))
    is_core = forms.BooleanField(
        label=_("Core milestone"), required=False,
        help_text=_("First year after recognition only: the new grassroots union stands on its own when every "
                    "core milestone is done."))

    @classmethod
    def of(cls, template, data=None) -> TemplateForm:
        return cls(data, initial={"stage": template.stage, "title": template.title,
                                  "description": template.description,
                                  "due_in_working_days": template.due_in_working_days, "order": template.order,
                                  "is_active": template.is_active, "milestone": template.milestone,
                                  "is_core": template.is_core})

    def values(self) -> TemplateValues:
        return TemplateValues(**self.cleaned_data)


class CopyChecklistForm(forms.Form):
    stage = forms.ChoiceField(choices=CHECKLIST_STAGES, widget=forms.HiddenInput)


class RuleSetForm(forms.Form):
    """A rule set and its stage time limits (a field per working stage;
    empty: no limit)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    effective_from = date_field(_("Effective from"))
    min_committee = forms.IntegerField(label=_("Minimum mobilising committee size"), min_value=1, max_value=1000,
                                       initial=3)
    min_members = forms.IntegerField(label=_("Minimum members for a founding congress"), min_value=1,
                                     max_value=10000, initial=5)
    remind_before_due = forms.IntegerField(
        label=_("Reminder: working days before the due date"), min_value=0, max_value=60, initial=2,
        help_text=_("0: no reminder before the due date (the due-day reminder is still sent)."))
    escalate_overdue_after = forms.IntegerField(
        label=_("Escalation: working days overdue"), min_value=0, max_value=60, initial=3,
        help_text=_("Supervisors are told when a task is this many working days overdue; 0: never."))
    verification_days = forms.IntegerField(label=_("Recognition: working days to verify a dossier"), min_value=0,
                                           max_value=60, initial=5)
    decision_days = forms.IntegerField(label=_("Recognition: working days to decide"), min_value=0, max_value=60,
                                       initial=5)
    required_documents = forms.MultipleChoiceField(
        label=_("Recognition: required documents"), choices=DocumentKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple, initial=list(DocumentKind.values))
    follow_up_months = forms.IntegerField(
        label=_("First year: months a new grassroots union is followed up"), min_value=FOLLOW_UP_MONTHS[0],
        max_value=FOLLOW_UP_MONTHS[1], initial=12, required=False, help_text=_("Empty: 12."))
    dues_within_months = forms.IntegerField(
        label=_("First year: months to remit the first dues"), min_value=DUES_WITHIN_MONTHS[0],
        max_value=DUES_WITHIN_MONTHS[1], initial=6, required=False,
        help_text=_("A new grassroots union collects dues in time when its first dues are remitted within these "
                    "months of recognition. Empty: 6."))
    note = forms.CharField(label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for stage, label in STAGES:
            self.fields[f"limit_{stage}"] = forms.IntegerField(
                label=_("Working days allowed in “%(stage)s”") % {"stage": label}, required=False, min_value=1,
                max_value=1000, help_text=_("Empty: no limit."))

    @property
    def limit_fields(self):
        return [self[f"limit_{stage}"] for stage, _label in STAGES]

    @classmethod
    def of(cls, rule_set, data=None) -> RuleSetForm:
        values = RuleSetValues.of(rule_set)
        initial = {name: getattr(values, name) for name in (
            "name", "effective_from", "min_committee", "min_members", "remind_before_due", "escalate_overdue_after",
            "verification_days", "decision_days", "follow_up_months", "dues_within_months", "note")}
        initial["required_documents"] = list(values.required_documents)
        initial.update({f"limit_{stage}": days for stage, days in values.limits.items()})
        return cls(data, initial=initial)

    def values(self) -> RuleSetValues:
        data = self.cleaned_data
        limits = {stage: data[f"limit_{stage}"] for stage, _label in STAGES if data.get(f"limit_{stage}")}
        return RuleSetValues(
            name=data["name"], effective_from=data["effective_from"], min_committee=data["min_committee"],
            min_members=data["min_members"], remind_before_due=data["remind_before_due"],
            escalate_overdue_after=data["escalate_overdue_after"], verification_days=data["verification_days"],
            decision_days=data["decision_days"], follow_up_months=data["follow_up_months"] or 12,
            dues_within_months=data["dues_within_months"] or 6, required_documents=tuple(data["required_documents"]),
            note=data["note"], limits=limits)


class CalendarDayForm(forms.Form):
    DAY_OFF, WORKING_DAY = "off", "working"

    date = date_field(_("Date"))
    kind = forms.ChoiceField(label=_("The day is"), widget=forms.RadioSelect, initial=DAY_OFF, choices=[
        (DAY_OFF, _("An extra day off")), (WORKING_DAY, _("A make-up working day"))])
    name = forms.CharField(label=_("Name"), max_length=120, required=False,
                           help_text=_("What the day is, e.g. “Nghỉ bù Quốc khánh”."))

    @classmethod
    def of(cls, day, data=None) -> CalendarDayForm:
        return cls(data, initial={"date": day.date, "name": day.name,
                                  "kind": cls.WORKING_DAY if day.is_working_day else cls.DAY_OFF})

    def values(self) -> DayValues:
        data = self.cleaned_data
        return DayValues(date=data["date"], is_working_day=data["kind"] == self.WORKING_DAY, name=data["name"])
