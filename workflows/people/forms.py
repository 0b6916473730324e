"""Forms of the survey rounds and visits. They parse what was typed; the
rules (figures that hold together, dates, who may choose what) are the
services' (``surveys``), whose refusals come back on the fields."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.forms import date_field

from .models import EmployerAttitude, Housing
from .surveys import RoundData, VisitData

_NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}


def _number(label, *, required: bool = False, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, min_value=0, help_text=help_text,
                              widget=forms.TextInput(attrs=_NUMERIC),
                              error_messages={"invalid": _("Enter a whole number, zero or more."),
                                              "min_value": _("Enter a whole number, zero or more.")})


class IdsField(forms.TypedMultipleChoiceField):
    """Ids chosen among those shown; which ones are allowed is the service's to say."""

    def __init__(self, **kwargs) -> None:
        super().__init__(coerce=int, required=False, widget=forms.CheckboxSelectMultiple, **kwargs)

    def valid_value(self, value) -> bool:
        return str(value).isascii() and str(value).isdigit() and len(str(value)) <= 10


class IdField(forms.TypedChoiceField):
    """An id chosen in a list; the service says whether it may be."""

    def __init__(self, **kwargs) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def valid_value(self, value) -> bool:
        return str(value).isascii() and str(value).isdigit() and len(str(value)) <= 10


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name of the round"), max_length=200)
    unit = IdField(label=_("Unit"))
    starts_on = date_field(_("From"))
    ends_on = date_field(_("To"))
    peak_month = forms.TypedChoiceField(label=_("Peak month"), required=False, coerce=int, empty_value=None,
                                        choices=[("", "—")] + [(m, m) for m in range(1, 13)])
    enterprises = IdsField(label=_("Enterprises to visit"))
    add_all_from = _number(_("Also add every enterprise without a union with at least this many workers"),
                           help_text=_("Leave empty to choose them one by one."))
    teams = IdsField(label=_("Teams"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=(), enterprises=(), teams=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, "— " * (u.depth - 1) + u.name) for u in units]
        self.fields["enterprises"].choices = list(enterprises)
        self.fields["teams"].choices = list(teams)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The round ends on or after the day it starts."))
        return data

    def round_data(self) -> RoundData:
        data = self.cleaned_data
        return RoundData(unit_id=data["unit"], name=data["name"], starts_on=data["starts_on"],
                         ends_on=data["ends_on"], peak_month=data["peak_month"], note=data["note"],
                         enterprise_ids=tuple(data["enterprises"]), team_ids=tuple(data["teams"]),
                         add_all_from=data["add_all_from"])


class VisitForm(forms.Form):
    """One column, numbers typed on a phone's number pad."""

    visited_on = date_field(_("Visited on"))
    round = IdField(label=_("Survey round"), required=False)
    team = IdField(label=_("Team"), required=False)
    workforce = _number(_("Workforce"), required=True)
    women = _number(_("Women"))
    migrants = _number(_("Migrant workers"))
    aged_under_30 = _number(_("Aged under 30"))
    aged_30_to_45 = _number(_("Aged 30 to 45"))
    aged_over_45 = _number(_("Aged over 45"))
    wage_min = _number(_("Lowest monthly wage (VND)"))
    wage_max = _number(_("Highest monthly wage (VND)"))
    shifts = _number(_("Shifts a day"))
    overtime_hours = _number(_("Overtime hours a month"))
    housing = forms.ChoiceField(label=_("Housing"), required=False, choices=[("", "—")] + Housing.choices)
    employer_attitude = forms.ChoiceField(label=_("Employer's attitude"), choices=EmployerAttitude.choices,
                                          initial=EmployerAttitude.UNKNOWN)
    issues = IdsField(label=_("Issues raised"))
    issues_note = forms.CharField(label=_("Issues in their words"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    worker_groups = forms.CharField(label=_("Existing worker groups"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    follow_up = forms.CharField(label=_("Follow-up"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    open_campaign = forms.BooleanField(label=_("Open the campaign now"), required=False,
                                       help_text=_("The campaign starts at “surveyed” with this workforce."))

    def __init__(self, *args, rounds=(), teams=(), issues=(), may_open_campaign: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [("", _("No round"))] + list(rounds)
        self.fields["team"].choices = [("", "—")] + list(teams)
        self.fields["issues"].choices = list(issues)
        if not may_open_campaign:
            del self.fields["open_campaign"]

    def visit_data(self) -> VisitData:
        data = self.cleaned_data
        return VisitData(
            visited_on=data["visited_on"], workforce=data["workforce"], round_id=data["round"],
            team_id=data["team"], **{name: data[name] or 0 for name in (
                "women", "migrants", "aged_under_30", "aged_30_to_45", "aged_over_45")},
            **{name: data[name] for name in ("wage_min", "wage_max", "shifts", "overtime_hours")},
            housing=data["housing"], employer_attitude=data["employer_attitude"],
            issue_ids=tuple(data["issues"]), issues_note=data["issues_note"], worker_groups=data["worker_groups"],
            follow_up=data["follow_up"])

    @property
    def opens_campaign(self) -> bool:
        return bool(self.cleaned_data.get("open_campaign"))

