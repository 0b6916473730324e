from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.campaigns.flows import DocumentKind
from workflows.core.forms import date_field

from .documents import ACCEPT


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class UploadForm(_Versioned):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
                           error_messages={"required": _("Choose a file."),
                                           "empty": _("The file is empty."),
                                           "invalid": _("No file was received: choose it again.")})


class SubmitForm(_Versioned):
    note = forms.CharField(label=_("Note for the verifier"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(_Versioned):
    complete = forms.TypedChoiceField(
        label=_("Finding"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Complete: send it for the decision")),
                 ("no", _("Incomplete: return it to the committee"))])
    comments = forms.CharField(label=_("Comments"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Required when the dossier is returned."))


class DecideForm(_Versioned):
    approve = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Recognise the members and the CĐCS")),
                 ("no", _("Return the dossier for correction"))])
    decision_number = forms.CharField(label=_("Decision number"), required=False, max_length=50)
    decision_date = date_field(_("Decision date"), required=False)
    admitted_members = forms.IntegerField(label=_("Members admitted"), required=False, min_value=0,
                                          max_value=1_000_000)
    comments = forms.CharField(label=_("Comments"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Required when the dossier is returned."))


class ReassignForm(forms.Form):
    to_user = forms.TypedChoiceField(label=_("Give this step to"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, people=(), queue_label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", queue_label)] if queue_label else []
        self.fields["to_user"].choices = choices + list(people)
        self.fields["to_user"].required = not queue_label
