"""What drf-spectacular needs beyond the views: our authentication in the
schema (loaded by the app's ``ready``), the error answers of every
operation (a postprocessing hook named in ``SPECTACULAR_SETTINGS``), and
the schema's page, which keeps what it generated (``KeptSchemaView``).

Every error is a problem detail (RFC 9457, ``problems.problem_handler``),
``application/problem+json``. Which ones an operation can give follows from
what the schema already says of it, so that no view has to list them:

- 400 (with ``errors``, field → messages): a write (a form's field or a
  service's rule), or a read with query parameters (a filter, a period);
- 401: every authenticated operation (no token, or a bad one);
- 403: a write (a read-only token; a browser's session without its CSRF token);
- 404: every operation (missing, or outside the caller's reach: the same
  answer; a list's stale cursor too);
- 409: a write (someone else changed the object first, or it moved on);
- 412: a write whose version is checked (an ``If-Match`` header parameter);
- 415: an operation with a request body sent in another format;
- 429: every operation while the API throttles (a rate per token).
"""
from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.utils import translation
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "workflows.api.authentication.TokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cdcs_…",
                "description": "Mã truy cập cá nhân / a personal access token (/api/tokens/)."}


PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_DETAILS = {
    "type": "object",
    "description": "An error (RFC 9457 problem details), its sentences in the caller's language.",
    "properties": {
        "type": {"type": "string", "description": "about:blank: the status and its title say what it is."},
        "title": {"type": "string", "description": "The status's name (Bad Request, Not Found, …)."},
        "status": {"type": "integer", "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What was refused and why, as the pages say it."},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "Field → its messages (400); a nested field is named by its path "
                                  "(allocations.1.value), a rule of several fields by non_field_errors or __all__."},
    },
    "required": ["type", "title", "status"],
}

_REF = {"$ref": "#/components/schemas/ProblemDetails"}
_WRITES = {"post", "put", "patch", "delete"}

DESCRIPTIONS = {
    400: "A value or a rule refused the request: `errors` names each field with its messages.",
    401: "No access token, or an unknown, expired or revoked one.",
    403: "A read-only token cannot write (nor a signed-in browser without its CSRF token).",
    404: "Not found — or outside the caller's reach, which answers the same.",
    409: "Someone else changed the object first, or it moved on since it was read: read it again.",
    412: "The If-Match ETag is not the object's current version: read it again.",
    415: "The body is neither JSON nor a form.",
    429: "Too many requests with this token: try again after Retry-After seconds.",
}

_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "How to authenticate (Bearer)."}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}


def problem_statuses(method: str, operation: dict) -> list[int]:
    """The problem statuses ``operation`` can answer (see the module's docstring)."""
    parameters = operation.get("parameters", [])
    write = method in _WRITES
    statuses = [404]
    if write or any(p.get("in") == "query" for p in parameters):
        statuses.append(400)
    if any(requirement for requirement in operation.get("security", [])):
        statuses.append(401)
    if write:
        statuses += [403, 409]
    if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in parameters):
        statuses.append(412)
    if "requestBody" in operation:
        statuses.append(415)
    if api_settings.DEFAULT_THROTTLE_CLASSES:
        statuses.append(429)
    return sorted(statuses)


def problem_responses(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the ProblemDetails component,
    and on every operation the problem answers it can give (an answer an
    operation declares itself is kept)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDetails"] = PROBLEM_DETAILS
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, operation):
                answer = {"description": DESCRIPTIONS[status], "content": {PROBLEM_MEDIA_TYPE: {"schema": _REF}}}
                if status in _HEADERS:
                    answer["headers"] = _HEADERS[status]
                responses.setdefault(str(status), answer)
            operation["responses"] = dict(sorted(responses.items()))
    return result


class KeptSchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per process for each language
    (``?lang=`` or the request's) and kept: it follows from the code alone
    — served publicly, the same for every caller — and generating it walks
    every view and serializer (a second of a worker's time at each
    request otherwise). A language the site does not offer, or a version
    asked for, is generated without being kept (no key from a client's
    text)."""

    _kept: ClassVar[dict[str, dict]] = {}

    def _get_schema_response(self, request):
        language = translation.get_language()
        keep = (self.api_version is None and request.version is None and self._get_version_parameter(request) is None
                and language in dict(settings.LANGUAGES))
        if not keep:
            return super()._get_schema_response(request)
        data = self._kept.get(language)
        if data is None:
            generator = self.generator_class(urlconf=self.urlconf, patterns=self.patterns)
            data = self._kept[language] = generator.get_schema(request=request, public=self.serve_public)
        return Response(data=data,
                        headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, None)}"'})
