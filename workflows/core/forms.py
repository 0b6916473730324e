"""Form helpers shared by the apps."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .errors import Conflict, DomainError

T = TypeVar("T")


class DateInput(forms.DateInput):
    """A date typed as dd/mm/yyyy, as Vietnamese officers write it."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off",
                                **(attrs or {})}, format="%d/%m/%Y")


def date_field(label, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text,
                           input_formats=["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"],
                           error_messages={"invalid": _("Enter a date as dd/mm/yyyy.")})


def run_service(form: forms.Form, call: Callable[[], T]) -> T | None:
    """Call a service for a valid form; put the rule errors it raises next to
    the fields they concern (or at the top of the form) and return None.
    Conflicts are not caught: they answer 409."""
    try:
        return call()
    except Conflict:
        raise
    except DomainError as error:
        for message in error.messages:
            form.add_error(None, message)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
    return None
