"""The administrators' forms of webhook subscriptions."""
from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.organisation.models import Unit

from .kinds import SUBSCRIBABLE


class SubscriptionForm(forms.Form):
    url = forms.CharField(label=_("Address that receives the events (URL)"), max_length=500,
                          widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
                          help_text=_("Each event is POSTed there as JSON, signed with the subscription's secret."))
    kinds = forms.MultipleChoiceField(label=_("Events"), widget=forms.CheckboxSelectMultiple,
                                      choices=[(kind.value, kind.label) for kind in SUBSCRIBABLE],
                                      error_messages={"required": _("Choose at least one event from the list.")})
    description = forms.CharField(label=_("Description"), max_length=200, required=False,
                                  help_text=_("Which system receives them, and who looks after it."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def of(cls, subscription, data=None) -> SubscriptionForm:
        return cls(data, initial={"url": subscription.url, "kinds": subscription.kinds,
                                  "description": subscription.description, "version": subscription.version})


#: A unit the user may not subscribe for, or none: what the form says (never the unit's name).
UNIT_REFUSED = _("You may not subscribe to that unit's events: choose one of the units you administer.")


class _ShownUnitField(forms.IntegerField):
    """The posted unit id, checked; shown again as the page's unit (the
    initial), never as the id posted: a refused unit is not sent twice."""

    def bound_data(self, data, initial):
        return initial


class NewSubscriptionForm(SubscriptionForm):
    """A new subscription of the unit the page's picker chose (a national
    tree has a hundred thousand units: never a <select> of them all), posted
    as its id and checked by ``unit_of`` (an id → the unit, or None when the
    user may not subscribe for it: a selector decides). The cleaned ``unit``
    is the Unit."""

    unit = _ShownUnitField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1, error_messages=dict.fromkeys(
        ("required", "invalid", "min_value", "max_value"), UNIT_REFUSED))
    field_order = ["unit", "url", "kinds", "description"]

    def __init__(self, data=None, *, unit_of: Callable[[int], Unit | None], **kwargs):
        super().__init__(data, **kwargs)
        self._unit_of = unit_of

    def clean_unit(self) -> Unit:
        unit = self._unit_of(self.cleaned_data["unit"])
        if unit is None:
            raise forms.ValidationError(UNIT_REFUSED, code="forbidden")
        return unit


class SwitchForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda value: value == "1")
    version = forms.IntegerField(required=False)
