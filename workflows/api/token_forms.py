"""The form of a new personal access token (the page at /api/tokens/)."""
from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy as _

from .models import TokenScope
from .tokens import MAX_DAYS

#: How long a new token lives unless the person says otherwise.
DEFAULT_DAYS = 90


def _days_message() -> str:
    return gettext("A token lives between 1 and %(max)d days.") % {"max": MAX_DAYS}


#: The same sentence as the service's (tokens.token_create), in the language of the request.
DAYS_MESSAGE = lazy(_days_message, str)()


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, strip=True,
        help_text=_("What the token is for, e.g. “monthly report script”."),
        error_messages={"required": _("Give the token a name (what it is for).")})
    scope = forms.ChoiceField(
        label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ, widget=forms.RadioSelect,
        error_messages={"required": _("Choose read only or read and write."),
                        "invalid_choice": _("Choose read only or read and write.")})
    days = forms.IntegerField(
        label=_("Lifetime (days)"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": DAYS_MESSAGE, "invalid": DAYS_MESSAGE, "min_value": DAYS_MESSAGE,
                        "max_value": DAYS_MESSAGE})
