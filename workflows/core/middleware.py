"""Turns the errors services raise into the answers people understand:
a forbidden object looks missing (404), a lost race answers 409 with the
message, a refused business rule answers 400 with its sentences."""
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.defaults import page_not_found

from .errors import Conflict, DomainError


def _safe_back_url(request) -> str:
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return "/"


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            from workflows.audit.models import AuditKind
            from workflows.audit.services import audit_record

            audit_record(kind=AuditKind.ACCESS_REFUSED, request=request, detail=str(exception)[:500])
            return page_not_found(request, Http404())
        if isinstance(exception, ObjectDoesNotExist):
            return page_not_found(request, Http404())
        if isinstance(exception, DomainError):
            context = {
                "messages_list": exception.messages,
                "base_template": "partials/fragment.html" if getattr(request, "htmx", False) else "base.html",
                "back_url": _safe_back_url(request),
            }
            if isinstance(exception, Conflict):
                return render(request, "partials/conflict.html", context, status=409)
            return render(request, "partials/refused.html", context, status=400)
        return None


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English with the language switch:
    many officers' browsers are set to English, and the product speaks
    Vietnamese first. (Django's LocaleMiddleware would follow the browser.)"""

    def process_request(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
