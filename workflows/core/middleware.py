"""The site's own middleware: refusals answered in one place, and the
language Vietnamese first."""
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from . import refusals


class DomainErrorMiddleware:
    """Turns the errors services raise into the answers people understand:
    a forbidden object looks missing (404), a lost race answers 409 with where
    the object is now, a refused business rule answers 400 with its sentences
    (see ``workflows.core.refusals``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return refusals.answer(request, exception)


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English with the language switch:
    many officers' browsers are set to English, and the product speaks
    Vietnamese first. (Django's LocaleMiddleware would follow the browser.)
    The API (/api/v1/) follows the client's Accept-Language: a program asks
    for the language it shows its users."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        if request.path.startswith("/api/v1/") and request.META.get("HTTP_ACCEPT_LANGUAGE"):
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
