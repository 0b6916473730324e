"""Writing the audit log."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .client import client_address
from .models import AuditEntry


def audit_record(*, kind: str, request=None, user=None, username: str = "", detail: str = "",
                 workers: Iterable[int] = ()) -> AuditEntry:
    """Append one entry, timestamped in UTC. ``user`` defaults to the
    request's signed-in user; ``workers``: whose personal data it concerns."""
    if user is None and request is not None and getattr(request, "user", None) is not None \
            and request.user.is_authenticated:
        user = request.user
    return AuditEntry.objects.create(
        at=dt.datetime.now(dt.UTC), kind=kind, user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        ip_address=client_address(request),
        method=(getattr(request, "method", "") or "")[:8],
        path=(request.get_full_path() if request is not None and hasattr(request, "path") else "")[:500],
        detail=detail[:2000], workers=sorted(set(workers)),
    )
