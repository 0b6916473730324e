"""Where to go after a form: the ``next`` a page sends, when it is a path of
this site, else the page's default. Every view that reads ``next`` asks
here, so that a crafted link cannot send a user off-site (an open redirect)."""
from __future__ import annotations

import unicodedata

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_same_site_path(url: str, *, request) -> bool:
    """A path of this site ("/campaigns/3/?page=2"), nothing else: no scheme,
    no host (``//host``, ``/\\host``), no spaces or control characters."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())


def safe_next(request, default: str) -> str:
    """The ``next`` of the request (POST first, then the query string) when
    it is a path of this site; otherwise ``default`` (a URL or a URL name)."""
    for source in (request.POST, request.GET):
        url = source.get("next", "")
        if url:
            return url if is_same_site_path(url, request=request) else resolve_url(default)
    return resolve_url(default)
