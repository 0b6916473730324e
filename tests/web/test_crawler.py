"""The crawler: the demo province, every scheduled job run once, then each
demo login follows every same-site link from its home page (GET only,
bounded), as a person clicking through the product would.

A link shown to a user must open for that user: no 5xx anywhere, and no
link that answers 4xx (403, 404, 405 …) or sends the user back to the
sign-in page. ``hx-get`` targets count as links (htmx loads them on the
same page).

The demo is built once for the module on a fixed working day inside a
transaction that is rolled back at the end, like tests/demo.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

from workflows.core import clock
from workflows.demo.builder import LOGINS
from workflows.notifications.schedules import PLANS

pytestmark = pytest.mark.django_db

#: A Friday: the reminders, the digest and the review timers all run on it.
BUILT_ON = dt.datetime(2026, 11, 20, 9, 0)
#: The jobs run a week later (a Friday too), when reminders and escalations are due.
JOBS_ON = dt.datetime(2026, 11, 27, 9, 0)
#: Bounds of one login's crawl: URLs of one URL pattern, URLs in all.
PER_PATTERN = 40
PER_LOGIN = 800
#: Not followed: the sign-out and language switch are POST forms, static
#: files are not pages.
SKIPPED_PREFIXES = ("/static/", "/accounts/logout/", "/i18n/")


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
    visited: dict[str, int] = field(default_factory=dict)
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


def _pattern(path: str) -> str | None:
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

    def __init__(self) -> None:
        self.waiting: dict[str, dict[str, deque]] = {}
        self.turns: Counter = Counter()

    def add(self, pattern: str, source: str, item) -> None:
        self.waiting.setdefault(pattern, {}).setdefault(source, deque()).append(item)

    def pop(self, opened: Counter):
        patterns = [p for p, sources in self.waiting.items()
                    if opened[p] < PER_PATTERN and any(sources.values())]
        if not patterns:
            return None
        pattern = min(patterns, key=lambda p: (opened[p], p))
        sources = {s: q for s, q in self.waiting[pattern].items() if q}
        source = min(sources, key=lambda s: (self.turns[(pattern, s)], s))
        self.turns[(pattern, source)] += 1
        return pattern, sources[source].popleft()


def crawl(client: Client, login: str) -> Crawl:
    result = Crawl(login)
    frontier = _Frontier()
    frontier.add("home", "", ("/", "(home)", False))
    seen = {"/"}
    while len(result.visited) < PER_LOGIN:
        picked = frontier.pop(result.per_pattern)
        if picked is None:
            break
        source_pattern, (path, shown_on, htmx) = picked
        result.per_pattern[source_pattern] += 1
        response = client.get(path, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
        result.visited[path] = response.status_code
        if response.status_code >= 400:
            result.failures.append(f"{path} answered {response.status_code} (shown on {shown_on})")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
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
            pattern = _pattern(target)
            if pattern is None:
                result.failures.append(f"{target} (shown on {path}) matches no URL pattern")
                continue
            frontier.add(pattern, source_pattern, (target, path, via_htmx))
    return result


@pytest.fixture(scope="module")
def demo_after_jobs(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with clock.travel_to(BUILT_ON):
            call_command("load_demo", stdout=io.StringIO())
        with clock.travel_to(JOBS_ON):
            for plan in PLANS:
                import_string(plan.func)()
        yield
        transaction.set_rollback(True)


def test_every_scheduled_job_ran_and_left_an_escalation(demo_after_jobs):
    # The defects it guards against appeared only after the jobs: an event
    # with no actor (an escalation) on a campaign page, which every login
    # who may see that campaign reaches through a notification or a list.
    from workflows.campaigns.models import CampaignEvent

    assert CampaignEvent.objects.filter(actor__isnull=True).exists()


@pytest.mark.parametrize("login", [login.username for login in LOGINS])
def test_every_link_a_login_is_shown_opens_for_it(demo_after_jobs, login):
    client = Client()
    client.force_login(get_user_model().objects.get(username=login))
    with clock.travel_to(JOBS_ON):
        result = crawl(client, login)
    print(f"{login}: {len(result.visited)} pages of {len(result.per_pattern)} URL patterns")
    assert result.failures == []
    # The crawl went beyond the home page: each role has pages to open.
    assert len(result.visited) >= 10
