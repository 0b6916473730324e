"""Forms of the statistics pages: programmes, which targets to show and
set, the values typed for them, member counts, estimates, member movements."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django import forms
from django.utils.translation import gettext as _, gettext_lazy

from workflows.core.forms import date_field
from workflows.core.params import param_bool, param_choice, param_int, param_str
from workflows.enterprises.models import WORKFORCE_FLOORS, OwnershipSector
from workflows.organisation.models import Unit

from .engine import Filters
from .models import Metric, MovementKind, Programme, ProgrammeBasis
from .planning import TargetsChoice

#: The workforce floor a coverage target counts from when none is chosen.
DEFAULT_FLOOR = 25

#: How many milestones the programme form offers at once.
MILESTONE_ROWS = 3


class ProgrammeForm(forms.Form):
    """A programme's name, basis and dates, with up to three milestones
    (a date and a label each; a half-filled row is named)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    basis_kind = forms.ChoiceField(label=gettext_lazy("Kind of basis"), choices=ProgrammeBasis.choices)
    basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=300, required=False,
                            help_text=gettext_lazy("The resolution or plan, with its number and date."))
    start = date_field(gettext_lazy("Start (dd/mm/yyyy)"))
    end = date_field(gettext_lazy("End (dd/mm/yyyy)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, MILESTONE_ROWS + 1):
            self.fields[f"milestone_{i}_on"] = date_field(_("Milestone %(n)s: date") % {"n": i}, required=False)
            self.fields[f"milestone_{i}_label"] = forms.CharField(
                label=_("Milestone %(n)s: label") % {"n": i}, max_length=120, required=False)

    def clean(self):
        data = super().clean()
        for i in range(1, MILESTONE_ROWS + 1):
            on, label = data.get(f"milestone_{i}_on"), (data.get(f"milestone_{i}_label") or "").strip()
            if label and not on and not self.errors.get(f"milestone_{i}_on"):
                self.add_error(f"milestone_{i}_on", _("Give the milestone's date."))
            elif on and not label:
                self.add_error(f"milestone_{i}_label", _("Give the milestone a label."))
        return data

    @property
    def values(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("name", "basis_kind", "basis", "start", "end")}

    @property
    def milestones(self) -> list[tuple]:
        data = self.cleaned_data
        return [(data[f"milestone_{i}_on"], data[f"milestone_{i}_label"].strip())
                for i in range(1, MILESTONE_ROWS + 1) if data.get(f"milestone_{i}_on")]


def _floor_label(floor: int) -> str:
    return _("All enterprises") if not floor else _("%(n)s workers and more") % {"n": floor}


class TargetChoiceForm(forms.Form):
    """Which targets a POST saves: it must say exactly (errors answer 400).
    The programme's choices are those that apply to the unit; the due date is
    checked by the service (the programme's end or one of its milestones)."""

    programme = forms.TypedChoiceField(label=gettext_lazy("Programme"), coerce=int)
    metric = forms.ChoiceField(label=gettext_lazy("Indicator"), choices=Metric.choices)
    due_on = date_field(gettext_lazy("Due on"))
    sector = forms.ChoiceField(label=gettext_lazy("Ownership sector"), required=False,
                               choices=[("", gettext_lazy("All sectors")), *OwnershipSector.choices])
    min_workforce = forms.TypedChoiceField(label=gettext_lazy("Minimum workforce"), coerce=int, empty_value=0,
                                           required=False, choices=())
    social_insurance_only = forms.BooleanField(label=gettext_lazy("Only enterprises paying social insurance"),
                                               required=False)
    industrial_zone = forms.CharField(label=gettext_lazy("Industrial zone"), max_length=120, required=False)

    def __init__(self, *args, programmes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [(p.pk, p.name) for p in programmes]
        self.fields["min_workforce"].choices = [(f, _floor_label(f)) for f in WORKFORCE_FLOORS]

    @staticmethod
    def shown(query, programmes: list[Programme]) -> TargetsChoice:
        """Which targets to show, from the query: garbage means the defaults
        (the latest programme, its end, new members, every enterprise)."""
        by_pk = {p.pk: p for p in programmes}
        programme = by_pk.get(param_int(query, "programme")) or (programmes[-1] if programmes else None)
        metric = param_choice(query, "metric", Metric.values) or Metric.NEW_MEMBERS
        floor = param_int(query, "min_workforce") or 0
        floor = floor if floor in WORKFORCE_FLOORS else 0
        if metric == Metric.COVERAGE and not floor:
            floor = DEFAULT_FLOOR
        due_on = None
        if programme is not None:
            due_on = programme.end
            try:
                day = dt.datetime.strptime(query.get("due_on") or "", "%d/%m/%Y").date()
            except ValueError:
                day = None
            if day and programme.start <= day <= programme.end:
                due_on = day  # the page falls back to the end when no milestone is on it
        return TargetsChoice(
            programme=programme, due_on=due_on, metric=metric,
            filters=Filters(param_choice(query, "sector", OwnershipSector.values), floor,
                            param_bool(query, "social_insurance_only"), param_str(query, "industrial_zone", 120)))

    def chosen(self, programmes: list[Programme]) -> TargetsChoice:
        data = self.cleaned_data
        programme = next(p for p in programmes if p.pk == data["programme"])
        return TargetsChoice(programme=programme, due_on=data["due_on"], metric=data["metric"], filters=Filters(
            data["sector"] or "", data["min_workforce"] or 0, bool(data["social_insurance_only"]),
            " ".join((data["industrial_zone"] or "").split())))


_DASHES = re.compile(r"\s*[-–—]\s*")


def parse_amount(typed: str) -> int | tuple[int, int] | None:
    """A target as typed: ``6500`` or ``6.500``, or a range ``6.000–7.000``
    (any dash, with or without spaces). None when nothing was typed; a
    ValueError when it is neither a whole number nor a range of them."""
    text = " ".join((typed or "").split())
    if not text:
        return None
    parts = _DASHES.split(text)
    if len(parts) > 2:
        raise ValueError(text)
    numbers = []
    for part in parts:
        raw = part.replace(".", "").replace(" ", "")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # "²".isdigit(), yet int("²") fails
            raise ValueError(text)
        numbers.append(int(raw))
    if len(numbers) == 1 or numbers[0] == numbers[1]:
        return numbers[0]
    if numbers[1] < numbers[0]:
        raise ValueError(text)
    return numbers[0], numbers[1]


class AllocationForm(forms.Form):
    """The values typed on the targets page: ``value-<unit id>`` for the
    unit (the target it received) and for each child unit (its allocation),
    a whole number (6500, 6.500) or a range (6.000–7.000, 6000-7000). A value
    that is neither is named, with its unit, at the top of the page."""

    def __init__(self, data=None, *, unit, children) -> None:
        super().__init__(data)
        self.unit, self.units = unit, [unit, *children]
        for each in self.units:
            self.fields[f"value-{each.pk}"] = forms.CharField(required=False, max_length=40)

    def clean(self):
        values = {}
        for each in self.units:
            typed = self.cleaned_data.get(f"value-{each.pk}") or ""
            try:
                amount = parse_amount(typed)
            except ValueError:
                self.add_error(None, _("“%(value)s” for %(unit)s is not a whole number or a range "
                                       "(6.000–7.000).") % {"value": typed[:20], "unit": each.name})
                continue
            if amount is not None:
                values[each.pk] = amount
        for each in self.units:
            if self.errors.get(f"value-{each.pk}"):  # longer than a value can be
                self.add_error(None, _("The value for %(unit)s is too long.") % {"unit": each.name})
        self.received = values.pop(self.unit.pk, None)
        self.allocations = values
        return self.cleaned_data


#: A unit the user may not record for, or no unit: what the form says (never the unit's name).
UNIT_REFUSED = gettext_lazy("You may not record figures for that unit: record them for one of your units.")


class _ShownUnitField(forms.IntegerField):
    """The posted unit id, checked; shown again as the page's unit (the
    initial), never as the id posted: a refused unit is not sent twice."""

    def bound_data(self, data, initial):
        return initial


class RecordedUnitForm(forms.Form):
    """A form that records a figure of one unit: the unit the page's picker
    chose, posted as its id, checked against the units the user may record
    for. ``unit_of``: an id → that unit, or None when the user may not record
    for it (a selector decides: the form holds no rule). The cleaned
    ``unit`` is the Unit."""

    unit = _ShownUnitField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1, error_messages=dict.fromkeys(
        ("required", "invalid", "min_value", "max_value"), UNIT_REFUSED))

    def __init__(self, *args, unit_of: Callable[[int], Unit | None], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._unit_of = unit_of

    def clean_unit(self) -> Unit:
        unit = self._unit_of(self.cleaned_data["unit"])
        if unit is None:
            raise forms.ValidationError(UNIT_REFUSED, code="forbidden")
        return unit


class MemberCountForm(RecordedUnitForm):
    as_of = date_field(gettext_lazy("As of (dd/mm/yyyy)"))
    members = forms.IntegerField(label=gettext_lazy("Members"), min_value=0, max_value=10_000_000)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200,
                             help_text=gettext_lazy("A census, the unit's register, a report with its number."))


class EstimateForm(RecordedUnitForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    value = forms.IntegerField(label=gettext_lazy("Expected workforce increase"), min_value=0,
                               max_value=10_000_000)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200)
    as_of = date_field(gettext_lazy("As of (dd/mm/yyyy)"), required=False)


class MovementForm(RecordedUnitForm):
    on = date_field(gettext_lazy("Day (dd/mm/yyyy)"))
    kind = forms.ChoiceField(label=gettext_lazy("Movement"), choices=MovementKind.choices)
    members = forms.IntegerField(label=gettext_lazy("Members"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)
