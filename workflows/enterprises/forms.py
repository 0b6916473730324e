from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.forms import date_field

from .models import Enterprise, OwnershipSector, WorkforceSource
from .services import EnterpriseData

#: What a user enters about an enterprise (``services.EnterpriseData``).
_ENTERPRISE_FIELDS = ("name", "address", "province", "commune", "industrial_zone", "ownership_sector", "industry",
                      "workforce", "workforce_as_of", "workforce_source")


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    province = forms.CharField(label=_("Province"), max_length=80, required=False)
    commune = forms.CharField(label=_("Commune or ward"), max_length=80, required=False)
    industrial_zone = forms.CharField(label=_("Industrial zone"), max_length=120, required=False)
    ownership_sector = forms.ChoiceField(label=_("Ownership sector"), choices=OwnershipSector.choices)
    industry = forms.CharField(label=_("Industry"), max_length=120, required=False)
    workforce = forms.IntegerField(label=_("Workforce"), min_value=0, max_value=10**6)
    workforce_as_of = date_field(_("Workforce as of"), required=False)
    workforce_source = forms.ChoiceField(label=_("Workforce source"), required=False,
                                         choices=[("", "—")] + list(WorkforceSource.choices))

    def enterprise_data(self) -> EnterpriseData:
        return EnterpriseData(**{name: self.cleaned_data[name] for name in _ENTERPRISE_FIELDS})


class EnterpriseCreateForm(EnterpriseForm):
    tax_code = forms.CharField(label=_("Tax code"), max_length=20,
                               help_text=_("10 digits, or 10 digits, “-” and 3 digits for a branch."))
    responsible_unit = forms.TypedChoiceField(label=_("Responsible unit"), coerce=int)
    field_order = ["tax_code", "name", "responsible_unit"]

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].choices = list(units)


class EnterpriseEditForm(EnterpriseForm):
    #: When the page read the enterprise: a later change by someone else is a conflict.
    updated_at = forms.CharField(widget=forms.HiddenInput)

    @classmethod
    def of(cls, enterprise: Enterprise, data=None) -> EnterpriseEditForm:
        initial = {name: getattr(enterprise, name) for name in _ENTERPRISE_FIELDS}
        return cls(data, initial={**initial, "updated_at": enterprise.updated_at.isoformat()})

    def clean_updated_at(self) -> dt.datetime:
        try:
            return dt.datetime.fromisoformat(self.cleaned_data["updated_at"])
        except ValueError:  # garbage: older than any change, so the save answers a conflict
            return dt.datetime.min.replace(tzinfo=dt.UTC)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("List of enterprises (XLSX or CSV)"),
                           help_text=_("Excel (.xlsx) or CSV UTF-8, with a header row."))
    unit = forms.TypedChoiceField(label=_("Responsible unit for new enterprises"), coerce=int)
    default_as_of = date_field(_("Figures as of"), required=False,
                               help_text=_("For rows that give a workforce but no date."))
    default_source = forms.ChoiceField(label=_("Source of the figures"), required=False,
                                       choices=[("", "—")] + list(WorkforceSource.choices),
                                       help_text=_("For rows that give a workforce but no source."))

    def __init__(self, *args, units=(), max_bytes: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(units)
        self.max_bytes = max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.max_bytes and upload.size > self.max_bytes:
            raise forms.ValidationError(_("The file is larger than %(size)d MB: split it into smaller files.") % {
                "size": self.max_bytes // 2**20})
        return upload


class ImportColumnsForm(forms.Form):
    """One choice per column of the file: which field it holds, or none."""

    def __init__(self, *args, headers=(), mapping=None, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— leave this column out —"))] + list(fields)
        mapping = mapping or {}
        for index, text in enumerate(headers):
            if not str(text).strip():
                continue
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=text, required=False, choices=choices, initial=mapping.get(str(index), ""))
            self.fields[f"col_{index}"].recognised = str(index) in mapping

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("col_"): value for name, value in self.cleaned_data.items()}
