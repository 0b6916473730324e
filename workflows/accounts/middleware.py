"""Sends a signed-in person whose role requires the second factor to it
before any other page: to set up an app when they have none, to the code
step when they have one (a session that signed in before it existed)."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from .permissions import is_verified, second_factor_required
from .selectors import has_second_factor

#: Pages open before the second factor: signing in and out, the language switch, the icon.
_OPEN_NAMES = {"login", "logout", "set_language", "favicon"}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefixes = tuple("/" + url.lstrip("/") for url in (settings.STATIC_URL,) if url)

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and (match.namespace == "accounts" or match.url_name in _OPEN_NAMES):
            return None
        if request.path.startswith(self.static_prefixes):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or is_verified(user) or not second_factor_required(user):
            return None
        target = reverse("accounts:verify" if has_second_factor(user) else "accounts:enrol")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            if self._on_accounts_page(request):
                # a fragment the page polls (the bell) while the person sets up or types a code:
                # sending the page to itself again would wipe what they are typing
                return HttpResponse(status=204)
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)

    @staticmethod
    def _on_accounts_page(request) -> bool:
        current = request.headers.get("HX-Current-URL", "")
        try:
            return resolve(urlsplit(current).path).namespace == "accounts"
        except Resolver404:
            return False
