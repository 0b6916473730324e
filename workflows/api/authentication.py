"""Who calls the API and how often: token authentication, the write
scope, throttling per token, and cursor pagination (DRF's settings name
these classes; this module imports no DRF view, so the settings can)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import AccessToken
from .tokens import token_for_key


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer cdcs_…`` — a personal access token."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is “Bearer <token>”."))
        token = token_for_key(parts[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown, expired or revoked."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class TokenScopeAllows(permissions.BasePermission):
    """A read-only token reads; writing needs a read-and-write token (the
    session of a signed-in browser writes, with its CSRF token)."""

    message = _("This token is read-only.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, AccessToken) or token.may_write


class PerTokenThrottle(throttling.SimpleRateThrottle):
    """A rate per token (per signed-in user for the session)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, AccessToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class Cursor(pagination.CursorPagination):
    """Cursor pages over the id (stable under inserts, no COUNT on big tables)."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
