"""Writing the audit log."""
from __future__ import annotations

import datetime as dt

from .models import AuditEntry


def _client_address(request) -> str | None:
    if request is None:
        return None
    try:
        from axes.helpers import get_client_ip_address

        return get_client_ip_address(request) or None
    except Exception:  # a malformed header must not stop the audit
        return request.META.get("REMOTE_ADDR") or None


def audit_record(*, kind: str, request=None, user=None, username: str = "", detail: str = "") -> AuditEntry:
    """Append one entry, timestamped in UTC. ``user`` defaults to the
    request's signed-in user."""
    if user is None and request is not None and getattr(request, "user", None) is not None \
            and request.user.is_authenticated:
        user = request.user
    return AuditEntry.objects.create(
        at=dt.datetime.now(dt.timezone.utc), kind=kind, user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        ip_address=_client_address(request),
        method=(getattr(request, "method", "") or "")[:8],
        path=(request.get_full_path() if request is not None and hasattr(request, "path") else "")[:500],
        detail=detail[:2000],
    )
