"""The sign-in forms beyond Django's user name and password."""
from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A code from the authenticator app (6 digits) or a recovery code."""

    code = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True}),
        error_messages={"required": _("Enter the code.")})


class AppCodeForm(CodeForm):
    """The code that confirms an app being set up."""

    code = forms.CharField(
        label=_("Code shown by the app"), max_length=8, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*"}),
        error_messages={"required": _("Enter the code.")})
