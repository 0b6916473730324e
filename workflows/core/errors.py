"""Errors that services raise; ``workflows.core.refusals`` turns them into
answers in one place, for full pages and htmx alike:

====================================================  ====  ==========================================
error                                                 HTTP  what the user sees
====================================================  ====  ==========================================
``Conflict`` (somebody changed the object first)      409   where the object is now, and a reload link
``NotFoundOrForbidden``, Django's ``PermissionDenied``, 404   the not-found page; a refusal is audited
``ObjectDoesNotExist``
``GuardNotMet``, ``IllegalTransition``,                400   the sentences on the form (``errors_on``)
``InvalidInput``, any other ``DomainError``,                or on the refused page
Django's ``ValidationError``
====================================================  ====  ==========================================

Every message is translated and says why, so that it can be shown as is.
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


class InvalidInput(DomainError):
    """The input breaks a rule that only the service can check (HTTP 400).
    ``fields``: field name → its messages, shown next to the field when the
    view's form has one of that name."""

    def __init__(self, *messages: str, fields: dict[str, list[str]] | None = None) -> None:
        self.general = [str(m) for m in messages if m]
        self.fields = {name: [str(m) for m in found] for name, found in (fields or {}).items()}
        super().__init__(*self.general, *[m for found in self.fields.values() for m in found])


class NotFoundOrForbidden(DomainError):
    """The object does not exist or is not the actor's (HTTP 404, like a
    missing one; the refusal is audited)."""


class Conflict(DomainError):
    """Somebody else changed the object since the actor read it (HTTP 409)."""

    @classmethod
    def stale(cls) -> "Conflict":
        return cls(_("Someone else changed this campaign in the meantime. Reload the page and try again."))
