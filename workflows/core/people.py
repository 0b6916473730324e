"""How the pages name a person. An event or a step that no person took (a
job wrote it: an escalation, a timer, a reminder) reads as the system."""
from __future__ import annotations

from django.utils.translation import gettext as _


def person_label(user) -> str:
    """The person's full name, else their login; ``None`` is the system."""
    if user is None:
        return _("System")
    return user.get_full_name() or user.get_username()
