"""The forms of the organisation import: the upload, the confirmation."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OrganisationImportForm(forms.Form):
    file = forms.FileField(label=_("Filled-in organisation template (.xlsx)"),
                           help_text=_("The template downloaded from this page, with your units and people."))
    unit = forms.TypedChoiceField(label=_("Import under"), coerce=int,
                                  help_text=_("Every unit of the file must be this unit or lie inside it."))

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


class ImportConfirmForm(forms.Form):
    invite = forms.BooleanField(label=_("Send an invitation e-mail to each new person with an e-mail address"),
                                required=False,
                                help_text=_("The e-mail holds a link to choose a password; it is sent once the "
                                            "file is written."))
