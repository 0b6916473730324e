"""``safe_next``: after a form, go where the page asked only if it is a path
of this site; anything else (another site, a scheme, a disguised host) goes
to the page's default. Before the fix, task claim and completion redirected
to whatever ``next`` said."""
from __future__ import annotations

import pytest
from django.test import RequestFactory

from workflows.core.redirects import safe_next

OFF_SITE = [
    "https://evil.example/x",
    "http://evil.example/x",
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "https://testserver/campaigns/",  # same host, but not a path: refused too
    "/campaigns/\x00",
    "/campaigns/\r\nSet-Cookie: x=1",
]


@pytest.mark.parametrize("url", OFF_SITE)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_next_that_leaves_the_site_gives_the_default(url, method):
    request = getattr(RequestFactory(), method)("/tasks/1/done/", {"next": url})

    assert safe_next(request, "/my-tasks/") == "/my-tasks/"


@pytest.mark.parametrize("url", ["/", "/campaigns/3/", "/campaigns/?stage=surveyed&page=2", "/tasks/?q=c%C3%B4ng"])
def test_a_path_of_the_site_is_followed(url):
    request = RequestFactory().post("/tasks/1/done/", {"next": url})

    assert safe_next(request, "/my-tasks/") == url


def test_without_next_the_default_url_name_is_resolved(db):
    request = RequestFactory().post("/tasks/1/done/", {})

    assert safe_next(request, "campaigns:my_tasks") == "/tasks/"
