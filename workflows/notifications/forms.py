"""The preferences form: it parses; the rules live in the services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailChoice


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(label=_("E-mail"), choices=EmailChoice.choices,
                              help_text=_("Notifications always appear under the bell in the app."))
