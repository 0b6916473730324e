"""Form helpers shared by the apps."""
from __future__ import annotations

import contextlib
import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import refusals
from .errors import InvalidInput

#: The formats a date field reads: the browser's date picker sends ISO (yyyy-mm-dd); a date typed
#: by hand (a browser without a picker, a test client, a saved link) is read as Vietnamese
#: officers write it, dd/mm/yyyy (or dd-mm-yyyy).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


class DateInput(forms.DateInput):
    """A date field shown as the browser's date picker (``type="date"``): on
    a phone a calendar, in the page's language (dd/mm/yyyy in Vietnamese);
    its value travels as ISO, which is the only format the picker accepts,
    so the widget writes the value as ISO. Dates shown elsewhere stay
    dd/mm/yyyy (``project/formats``)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})}, format="%Y-%m-%d")

    def format_value(self, value):
        """A form shown again with its errors gives the picker back a day
        typed as dd/mm/yyyy as ISO (else the picker would show it blank)."""
        if isinstance(value, str):
            for fmt in DATE_INPUT_FORMATS[1:]:
                with contextlib.suppress(ValueError):
                    return dt.datetime.strptime(value.strip(), fmt).date().isoformat()
        return super().format_value(value)


def date_field(label, *, required: bool = True, help_text: str = "") -> forms.DateField:
    """Every date field of the forms: the picker above, reading both formats."""
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text,
                           input_formats=DATE_INPUT_FORMATS,
                           error_messages={"invalid": _("Enter a date as dd/mm/yyyy.")})


class errors_on(contextlib.AbstractContextManager):
    """Put the refusals of the service called in the block on ``form``:
    a refused rule (``GuardNotMet``, ``InvalidInput``, any other
    ``DomainError``, Django's ``ValidationError``) goes next to the field it
    names, or at the top of the form, and the block is left; the view then
    renders the form again (400). A conflict, a forbidden or missing object
    go on to ``workflows.core.refusals`` (409, 404)::

        if form.is_valid():
            with errors_on(form):
                services.task_reassign(...)
                return redirect(...)
        return render(..., status=400 if form.errors else 200)
    """

    def __init__(self, form: forms.Form) -> None:
        self.form = form

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or refusals.status_of(error) != 400:
            return False
        if isinstance(error, InvalidInput):
            self._add(error.fields)
            for message in error.general:
                self.form.add_error(None, message)
        elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            self._add(error.message_dict)
        else:
            for message in refusals.messages_of(error):
                self.form.add_error(None, message)
        return True

    def _add(self, fields: dict[str, list[str]]) -> None:
        for field, errors in fields.items():
            self.form.add_error(field if field in self.form.fields else None, errors)
