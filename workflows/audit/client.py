"""The client's address, as sign-in limits (django-axes) and the audit log
see it: one answer for both.

``settings.TRUSTED_PROXY_COUNT`` says how many reverse proxies stand in front
of the app (``TRUSTED_PROXY_COUNT`` in the environment; 0 by default). Each
of them appends the address it received the request from to
``X-Forwarded-For``, so with N trusted proxies the client is the N-th entry
from the right; anything to its left was written by the client and is
ignored. With 0, ``X-Forwarded-For`` is ignored altogether and the address is
the socket's (``REMOTE_ADDR``). A request that carries fewer entries than
that did not pass through every proxy: it is seen from its last hop.
"""
from __future__ import annotations

from django.conf import settings
from ipware import get_client_ip


def trusted_proxy_count() -> int:
    return int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)


def client_address(request) -> str | None:
    """The client's IP address for ``request`` (``None`` when it has none)."""
    if request is None:
        return None
    proxies = trusted_proxy_count()
    if proxies > 0:
        # django-ipware counts the proxies *listed* in the header; the last
        # proxy is the socket's peer and not listed, hence one less.
        address, _routable = get_client_ip(request, proxy_count=proxies - 1, proxy_order="left-most",
                                           request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False)
        if address:
            return address
    address, _routable = get_client_ip(request, request_header_order=["REMOTE_ADDR"], strict=False)
    return address
