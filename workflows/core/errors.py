"""Errors that services raise and views translate into responses.

Every message is translated and says why, so that a view can show it as is.
``PermissionDenied`` (Django's) is used for refused access; views answer it
with 404, like a missing object.
"""
from django.utils.translation import gettext as _


class DomainError(Exception):
    """A business rule refused the action; ``messages`` say why."""

    def __init__(self, *messages: str) -> None:
        self.messages = [str(m) for m in messages if m]
        super().__init__("; ".join(self.messages))

    @property
    def message(self) -> str:
        return "; ".join(self.messages)


class IllegalTransition(DomainError):
    """The campaign's stage has no such transition."""


class GuardNotMet(DomainError):
    """The transition exists but its rule-set guard is not met."""


class Conflict(DomainError):
    """Somebody else changed the object since the actor read it (HTTP 409)."""

    @classmethod
    def stale(cls) -> "Conflict":
        return cls(_("Someone else changed this campaign in the meantime. Reload the page and try again."))
