"""The crawler: a signed-in client follows every same-site link from the
home page (GET only, bounded), as a person clicking through the product
would. Shared by the suite's crawler test (tests/web/test_crawler.py: every
link shown opens) and the pages benchmark (bench/pages.py: the slowest,
largest and hungriest pages at national scale).

A link shown to a user must open for that user: a link that answers 4xx or
5xx or sends the user to the sign-in page is a failure. ``hx-get`` targets
count as links (htmx loads them on the same page). Downloads (anything not
HTML) are fetched but not parsed.
"""
from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.urls import Resolver404, resolve

#: Not followed: the sign-out and language switch are POST forms, static
#: files are not pages.
SKIPPED_PREFIXES = ("/static/", "/accounts/logout/", "/i18n/")
REDIRECTS = (301, 302, 303, 307, 308)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (href, via htmx)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append((values["href"], False))
        if values.get("hx-get"):
            self.links.append((values["hx-get"], True))


@dataclass
class Crawl:
    login: str
    visited: dict[str, int] = field(default_factory=dict)  # path → status
    per_pattern: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _same_site(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    url, _ = urldefrag(urljoin(base, href))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path.startswith(SKIPPED_PREFIXES) else path


def pattern_of(path: str) -> str | None:
    """The URL pattern ``path`` matches (its route), None for none."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.route or match.view_name


class _Frontier:
    """Links waiting to be opened, fair to every kind of page: the next link
    is of the URL pattern opened least so far, and within it, from the kind
    of page that has had its turn least (so that the forty campaign pages
    opened are not all the first forty of one list, and a campaign linked
    only from a notification gets its turn)."""

    def __init__(self, per_pattern: int) -> None:
        self.per_pattern = per_pattern
        self.waiting: dict[str, dict[str, deque]] = {}
        self.turns: Counter = Counter()

    def add(self, pattern: str, source: str, item) -> None:
        self.waiting.setdefault(pattern, {}).setdefault(source, deque()).append(item)

    def pop(self, opened: Counter):
        patterns = [p for p, sources in self.waiting.items()
                    if opened[p] < self.per_pattern and any(sources.values())]
        if not patterns:
            return None
        pattern = min(patterns, key=lambda p: (opened[p], p))
        sources = {s: q for s, q in self.waiting[pattern].items() if q}
        source = min(sources, key=lambda s: (self.turns[(pattern, s)], s))
        self.turns[(pattern, source)] += 1
        return pattern, sources[source].popleft()


#: ``get(path, htmx)`` → the response: the client's GET, or one that measures it.
Getter = Callable[[str, bool], object]


def crawl(client, login: str, *, per_pattern: int, per_login: int, get: Getter | None = None,
          skip: Callable[[str], bool] | None = None) -> Crawl:
    """Follow the links ``client`` is shown from "/": at most ``per_pattern``
    URLs of one URL pattern and ``per_login`` in all. ``get`` opens a page
    (default: ``client.get``, with the htmx header for ``hx-get`` links);
    ``skip(pattern)``: a URL pattern not to open (downloads, for the bench)."""
    if get is None:
        def get(path: str, htmx: bool):
            return client.get(path, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    result = Crawl(login)
    frontier = _Frontier(per_pattern)
    frontier.add("home", "", ("/", "(home)", False))
    seen = {"/"}
    while len(result.visited) < per_login:
        picked = frontier.pop(result.per_pattern)
        if picked is None:
            break
        source_pattern, (path, shown_on, htmx) = picked
        result.per_pattern[source_pattern] += 1
        response = get(path, htmx)
        result.visited[path] = response.status_code
        if response.status_code >= 400:
            result.failures.append(f"{path} answered {response.status_code} (shown on {shown_on})")
            continue
        if response.status_code in REDIRECTS:
            target = response["Location"]
            if urlsplit(target).path.startswith("/accounts/login/"):
                result.failures.append(f"{path} sends to the sign-in page (shown on {shown_on})")
            links = [(target, False)]
        elif "html" not in response.get("Content-Type", ""):
            continue
        else:
            parser = _Links()
            parser.feed(response.content.decode("utf-8", "replace"))
            links = parser.links
        for href, via_htmx in links:
            target = _same_site(path, href)
            if target is None or target in seen:
                continue
            seen.add(target)
            pattern = pattern_of(target)
            if pattern is None:
                result.failures.append(f"{target} (shown on {path}) matches no URL pattern")
                continue
            if skip is not None and skip(pattern):
                continue
            frontier.add(pattern, source_pattern, (target, path, via_htmx))
    return result
