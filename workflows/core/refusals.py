"""The one place where a refused request becomes an answer.

Services raise the errors of ``workflows.core.errors`` (and Django's
``PermissionDenied`` / ``ValidationError``); views do not catch them.
``DomainErrorMiddleware.process_exception`` calls :func:`answer`:

- a lost race (``Conflict``) answers **409** with its message and where the
  object is now;
- a forbidden or missing object (``PermissionDenied``,
  ``NotFoundOrForbidden``, ``ObjectDoesNotExist``) answers **404**, like a
  missing one; a refusal is written to the audit log;
- a refused rule (``GuardNotMet``, ``IllegalTransition``, ``InvalidInput``,
  any other ``DomainError``, ``ValidationError``) answers **400** with its
  sentences.

A view that shows a form puts the 400 sentences on the form instead, with
``workflows.core.forms.errors_on``. A view may say once, before its service
call, where a refusal leads (:func:`refusals_lead_to`): the page to go back
to, how to read the object as it is now (for the 409), and, for htmx, the
fragment that replaces the one the user acted on.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.defaults import page_not_found

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record

from .errors import Conflict, DomainError, NotFoundOrForbidden


@dataclass(frozen=True)
class Refusal:
    """Where a refused request leads. ``current``: reads the object again
    after a conflict (the page says where it is now). ``fragment``: for an
    htmx request, renders the refused fragment from the messages (the
    status is set here)."""
    back_url: str = ""
    current: Callable[[], Any] | None = None
    fragment: Callable[[list[str]], HttpResponse] | None = None


def refusals_lead_to(request: HttpRequest, back_url: str, *, current: Callable[[], Any] | None = None,
                     fragment: Callable[[list[str]], HttpResponse] | None = None) -> None:
    """Say, for this request, where a refusal leads (see :class:`Refusal`)."""
    request.refusal = Refusal(back_url=back_url, current=current, fragment=fragment)


def messages_of(error: Exception) -> list[str]:
    if isinstance(error, DomainError):
        return error.messages
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    return []


def status_of(error: Exception) -> int | None:
    """The HTTP status of an error raised by a service; None: not ours (500)."""
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, (PermissionDenied, NotFoundOrForbidden, ObjectDoesNotExist)):
        return 404
    if isinstance(error, (DomainError, ValidationError)):
        return 400
    return None


def answer(request: HttpRequest, error: Exception) -> HttpResponse | None:
    status = status_of(error)
    if status is None:
        return None
    if status == 404:
        return _not_found(request, error)
    refusal: Refusal = getattr(request, "refusal", None) or Refusal()
    htmx = bool(getattr(request, "htmx", False))
    if htmx and refusal.fragment is not None:
        response = refusal.fragment(messages_of(error))
        response.status_code = status
        return response
    context = {"messages_list": messages_of(error), "back_url": refusal.back_url or _safe_back_url(request),
               "base_template": "partials/fragment.html" if htmx else "base.html"}
    if status == 409:
        context["current"] = refusal.current() if refusal.current else None
        return render(request, "partials/conflict.html", context, status=409)
    return render(request, "partials/refused.html", context, status=400)


def _not_found(request: HttpRequest, error: Exception) -> HttpResponse:
    """A forbidden object looks missing; the refusal is audited."""
    if isinstance(error, (PermissionDenied, NotFoundOrForbidden)):
        audit_record(kind=AuditKind.ACCESS_REFUSED, request=request, detail=str(error)[:500])
    return page_not_found(request, Http404())


def _safe_back_url(request: HttpRequest) -> str:
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return "/"
