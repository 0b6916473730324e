from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.campaigns.flows import DocumentKind
from workflows.campaigns.models import Register
from workflows.core.forms import date_field

from .documents import ACCEPT, ACCEPT_ON_PHONES


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class UploadForm(_Versioned):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
                           error_messages={"required": _("Choose a file."),
                                           "empty": _("The file is empty."),
                                           "invalid": _("No file was received: choose it again.")})


class UploadManyForm(_Versioned):
    """Several documents in one go (the checklist's form): a file input for
    each kind of document, ``file_<kind>``; at least one file chosen. Each
    file is checked by the service (``documents_upload``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in DocumentKind.choices:
            self.fields[f"file_{kind}"] = forms.FileField(
                label=label, required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ON_PHONES}),
                error_messages={"empty": _("The file is empty."),
                                "invalid": _("No file was received: choose it again.")})

    def clean(self):
        data = super().clean()
        if not self.uploads():
            raise forms.ValidationError(_("Choose at least one file."), code="required")
        return data

    def uploads(self) -> dict[str, object]:
        """kind → the file chosen for it."""
        return {kind: self.cleaned_data[f"file_{kind}"] for kind in DocumentKind.values
                if self.cleaned_data.get(f"file_{kind}")}


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

    def __init__(self, *args, fixed_admitted: int | None = None, **kwargs):
        """``fixed_admitted``: the members the congress admitted by name (a
        campaign whose workers are entered by name): shown, not typed."""
        super().__init__(*args, **kwargs)
        if fixed_admitted is not None:
            field = self.fields["admitted_members"]
            field.disabled = True
            self.initial["admitted_members"] = fixed_admitted
            field.help_text = _("Derived from the workers entered by name: the members the congress admitted.")


def decide_form(data=None, *, campaign, version: int | None = None) -> DecideForm:
    """The decision's form of ``campaign``: in a campaign whose workers are
    entered by name, the admitted members are the derived count, fixed."""
    fixed = campaign.admitted_members if campaign.register == Register.NAMES else None
    initial = {"admitted_members": campaign.applications if fixed is None else fixed}
    if version is not None:
        initial["version"] = version
    return DecideForm(data, initial=initial, fixed_admitted=fixed)


class MemberListForm(_Versioned):
    format = forms.ChoiceField(label=_("Format"), choices=[("docx", "Word"), ("xlsx", "Excel")],
                               initial="docx", widget=forms.RadioSelect)


class ReassignForm(forms.Form):
    to_user = forms.TypedChoiceField(label=_("Give this step to"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, people=(), queue_label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", queue_label)] if queue_label else []
        self.fields["to_user"].choices = choices + list(people)
        self.fields["to_user"].required = not queue_label
