"""Forms of the committee, applications and register pages. They parse
input; the services (``campaigns.register``) decide."""
from __future__ import annotations

import os

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows.core.forms import date_field

from .fields import FORMED_ON_PAST, not_after_today
from .models import Register
from .register import FORM_MAX_BYTES

#: extension → (content type, what its first bytes are)
_SCAN_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
SCAN_ACCEPT = ".pdf,.jpg,.jpeg,.png"


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class RegisterForm(_Versioned):
    register = forms.ChoiceField(label=_("Workers recorded"), choices=Register.choices, widget=forms.RadioSelect)


class WorkerIdsField(forms.MultipleChoiceField):
    """Worker ids ticked in a list the template draws; whether they are
    workers of the enterprise is the service's to say."""

    def to_python(self, value):
        try:
            return [int(v) for v in super().to_python(value)]
        except (TypeError, ValueError):
            raise ValidationError(_("Choose workers from the list."), code="invalid_choice") from None

    def valid_value(self, value) -> bool:
        return True


class CommitteeChooseForm(_Versioned):
    workers = WorkerIdsField(label=_("Members of the committee"),
                             error_messages={"required": _("Choose the committee's members.")})
    head = forms.IntegerField(label=_("Head of the committee"), required=False, min_value=1)
    formed_on = date_field(_("Formed on"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formed_on"].validators.append(not_after_today(FORMED_ON_PAST))



class _WorkerChoice(forms.TypedChoiceField):
    """A worker chosen from the list drawn (the candidates found); whether
    they may apply is the service's to say."""

    def valid_value(self, value) -> bool:
        return True


class ApplicationAddForm(forms.Form):
    worker = _WorkerChoice(label=_("Worker"), coerce=int, error_messages={
        "required": _("Choose the worker who applies."), "invalid_choice": _("Choose the worker who applies.")})
    applied_on = date_field(_("Applied on"))
    form = forms.FileField(label=_("Scanned application form (optional)"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": SCAN_ACCEPT}),
                           help_text=_("PDF, JPEG or PNG; at most 10 MB."),
                           error_messages={"empty": _("The file is empty."),
                                           "invalid": _("No file was received: choose it again.")})

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.workers_offered(workers)

    def workers_offered(self, workers) -> None:
        self.fields["worker"].choices = [("", "—")] + [
            (w.pk, " · ".join(part for part in (w.display_name, w.department, w.job) if part)) for w in workers]

    def clean_form(self):
        """A scan is a PDF, JPEG or PNG by its name and by its bytes, at most
        10 MB; its content type is the one its bytes show (not the browser's)."""
        upload = self.cleaned_data.get("form")
        if not upload:
            return None
        name = os.path.basename((upload.name or "").replace("\\", "/"))
        ext = name.rpartition(".")[2].lower() if "." in name else ""
        if ext not in _SCAN_TYPES:
            raise ValidationError(_("The scanned form is a PDF, JPEG or PNG file."))
        if upload.size > FORM_MAX_BYTES:
            raise ValidationError(_("The scanned form is at most 10 MB."))
        content_type, starts = _SCAN_TYPES[ext]
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(starts):
            raise ValidationError(_("The file's content is not a .%(ext)s file: it may be damaged or wrongly named.")
                                  % {"ext": ext})
        upload.content_type = content_type
        return upload


class ApplicationWithdrawForm(forms.Form):
    on = date_field(_("Withdrawn on"), required=False)
