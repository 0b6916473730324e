"""The form of the worker import: the upload of a list of employees."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.people.imports import MAX_FILE_BYTES


class WorkerImportForm(forms.Form):
    file = forms.FileField(
        label=_("List of employees (.xlsx or .csv)"),
        help_text=_("The employer's or social insurance's list, one row a worker, with a header row: “Họ và tên” "
                    "and any of the template's columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)d MB: split it into smaller files.") % {
                "size": MAX_FILE_BYTES // 2**20})
        return upload


class WorkerImportConfirmForm(forms.Form):
    """The confirmation (its refusals are shown on it)."""
