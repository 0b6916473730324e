"""One HTTP POST of a delivery: signed, with a time-out, no redirects
followed, and (unless settings allow it, as in tests and on a closed
network) never to an address of this machine or of a private network — a
unit administrator's URL must not reach the server's neighbours."""
from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from . import signing

USER_AGENT = "cdcs-webhooks/1"


@dataclass(frozen=True)
class Answer:
    ok: bool
    status_code: int | None = None
    error: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer like any other: not followed


_opener = urllib.request.build_opener(_NoRedirects)


def address_refused(url: str) -> str:
    """Why ``url`` may not receive webhooks ("" when it may)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("The address must begin with https:// (or http://) and name a server.")
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        return _("The address must begin with https://.")
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return ""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError, ValueError):
        return _("The server %(host)s cannot be found.") % {"host": parts.hostname}
    for address in found:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            return _("The address leads to a private or local network, which webhooks may not reach.")
    return ""


def post(url: str, *, secret: str, message_id: str, timestamp: int, body: bytes) -> Answer:
    refused = address_refused(url)
    if refused:
        return Answer(False, None, refused)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "webhook-id": message_id, "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(secret, message_id, timestamp, body),
        "Idempotency-Key": message_id,
    })
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return Answer(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as error:
        return Answer(False, error.code, (error.reason or "")[:300] if isinstance(error.reason, str) else "")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Answer(False, None, str(reason)[:300] or error.__class__.__name__)
