"""The administrators' forms of webhook subscriptions."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.organisation.permissions import units_administered_by

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


class NewSubscriptionForm(SubscriptionForm):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, choices=(),
                                  help_text=_("Its events and those of every unit below it are sent."))
    field_order = ["unit", "url", "kinds", "description"]

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["unit"].choices = list(units_administered_by(user).filter(is_active=True)
                                           .order_by("path").values_list("pk", "name"))


class SwitchForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda value: value == "1")
    version = forms.IntegerField(required=False)
