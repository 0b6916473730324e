"""Forms of the statistics pages: which targets to show and set, the
values typed for them, member movements."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _, gettext_lazy

from workflows.core.forms import date_field
from workflows.core.params import param_choice, param_int
from workflows.enterprises.models import WORKFORCE_FLOORS

from .models import Metric, MovementKind, TargetHorizon
from .selectors import TargetChoice

#: The workforce floor a coverage target counts from when none is chosen.
DEFAULT_FLOOR = 25


class TargetChoiceForm(forms.Form):
    """Which targets a POST saves: it must say exactly (errors answer 400)."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    horizon = forms.ChoiceField(label=gettext_lazy("Horizon"), choices=TargetHorizon.choices)
    metric = forms.ChoiceField(label=gettext_lazy("Metric"), choices=Metric.choices)
    min_workforce = forms.TypedChoiceField(label=gettext_lazy("Minimum workforce (coverage)"), coerce=int,
                                           choices=[(f, f) for f in WORKFORCE_FLOORS if f], required=False,
                                           empty_value=None)

    @staticmethod
    def shown(query, *, today: dt.date) -> TargetChoice:
        """Which targets to show, from the query: garbage means the defaults."""
        year = param_int(query, "year") or today.year
        floor = param_int(query, "min_workforce") or DEFAULT_FLOOR
        return TargetChoice(
            year=year if 2000 <= year <= 2100 else today.year,
            horizon=param_choice(query, "horizon", TargetHorizon.values) or TargetHorizon.YEAR,
            metric=param_choice(query, "metric", Metric.values) or Metric.NEW_MEMBERS,
            min_workforce=floor if floor in WORKFORCE_FLOORS else DEFAULT_FLOOR)

    def chosen(self) -> TargetChoice:
        data = self.cleaned_data
        return TargetChoice(year=data["year"], horizon=data["horizon"], metric=data["metric"],
                            min_workforce=data["min_workforce"] or DEFAULT_FLOOR)


class AllocationForm(forms.Form):
    """The values typed on the targets page: ``value-<unit id>`` for the
    unit (the target it received) and for each child unit (its allocation),
    whole numbers written with or without thousands dots (6.500). A value
    that is not one is named, with its unit, at the top of the page."""

    def __init__(self, data=None, *, unit, children) -> None:
        super().__init__(data)
        self.unit, self.units = unit, [unit, *children]
        for each in self.units:
            self.fields[f"value-{each.pk}"] = forms.Field(required=False)

    def clean(self):
        values = {}
        for each in self.units:
            typed = self.cleaned_data.get(f"value-{each.pk}") or ""
            raw = typed.replace(".", "").strip()
            if raw == "":
                continue
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # "²".isdigit(), yet int("²") fails
                self.add_error(None, _("“%(value)s” for %(unit)s is not a whole number.") % {
                    "value": typed[:20], "unit": each.name})
                continue
            values[each.pk] = int(raw)
        self.received = values.pop(self.unit.pk, None)
        self.allocations = values
        return self.cleaned_data


class MovementForm(forms.Form):
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), coerce=int)
    month = date_field(gettext_lazy("Month (any day of it)"))
    kind = forms.ChoiceField(label=gettext_lazy("Movement"), choices=MovementKind.choices)
    members = forms.IntegerField(label=gettext_lazy("Members"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
