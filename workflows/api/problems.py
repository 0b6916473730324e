"""The API's errors as RFC 9457 problem details, with the same translated
messages and statuses as the pages (``workflows.core.refusals``): a
forbidden object answers 404 like a missing one, a stale version 409 (412
when an ``If-Match`` did not match), a rule or a form's field 400 with the
field errors."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from workflows.core.errors import InvalidInput
from workflows.core.refusals import messages_of, status_of


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "precondition failed"


def _problem(status: int, title: str, detail: str = "", errors: dict | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status, content_type="application/problem+json")


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 409: "Conflict", 412: "Precondition Failed", 415: "Unsupported Media Type",
           429: "Too Many Requests"}


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {name: [str(m) for m in (value if isinstance(value, list) else [value])]
                for name, value in detail.items()}
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def problem_handler(error, context):
    """DRF's exception handler, answering problem details."""
    if isinstance(error, Http404):
        return _problem(404, _TITLES[404], _("Not found."))
    ours = status_of(error)
    if ours is not None:
        if ours == 404:
            return _problem(404, _TITLES[404], _("Not found."))
        errors = None
        if isinstance(error, InvalidInput) and error.fields:
            errors = error.fields
        elif isinstance(error, DjangoValidationError) and hasattr(error, "error_dict"):
            errors = {name: [str(m) for m in found] for name, found in error.message_dict.items()}
        status = 412 if ours == 409 and getattr(context.get("request"), "_if_match", False) else ours
        return _problem(status, _TITLES[status], "; ".join(messages_of(error)), errors)
    response = drf_handler(error, context)
    if response is None:
        return None
    status = response.status_code
    if isinstance(error, exceptions.ValidationError):
        return _problem(400, _TITLES[400], _("Some values are not valid."), _field_errors(error.detail))
    detail = str(getattr(error, "detail", ""))
    answer = _problem(status, _TITLES.get(status, "Error"), detail)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            answer[header] = response[header]
    return answer


def stale_unless_matching(request, version: int) -> int:
    """The version a write is based on: ``If-Match: "<version>"`` (an ETag
    of a detail answer) or ``expected_version`` in the body; a write without
    either is refused (it could overwrite a change it never saw)."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        request._if_match = True
        value = header.removeprefix("W/").strip('"')
        if not value.isdigit():
            raise exceptions.ValidationError({"If-Match": [_("If-Match is the ETag of the object, e.g. \"3\".")]})
        return int(value)
    value = request.data.get("expected_version") if hasattr(request.data, "get") else None
    if value is None or not str(value).isdigit():
        raise exceptions.ValidationError({"expected_version": [_(
            "Say which version of the object the change is based on (If-Match or expected_version).")]})
    return int(value)
