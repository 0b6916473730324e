"""bench/pages.py's machinery on the suite's small federation: the crawl
measures every page it opens, writes nothing through signing in, and its
report has the worst five of each kind. (The figures themselves are the
bench's, never asserted here.)"""
from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from bench.pages import is_download, measure, print_report, rows_of
from tests.conftest import campaign_at
from workflows.campaigns.flows import Stage

pytestmark = pytest.mark.django_db


def test_the_report_lists_the_worst_pages_of_a_crawl_by_every_role(world, capsys):
    campaign_at(world, Stage.EMPLOYER_CONTACTED)
    world.supervisor.refresh_from_db()
    last_login = world.supervisor.last_login

    found = measure([world.supervisor, world.admin], per_pattern=1, per_login=5,
                    log=lambda *a, **k: None)

    assert [c.login for c in found.crawls] == ["supervisor", "admin"]
    assert found.failures == []
    assert [len(c.visited) for c in found.crawls] == [5, 5]
    assert len(found.samples) == sum(len(c.visited) for c in found.crawls)
    assert found.rss_before_mib > 0 and found.traced
    for by in ("seconds", "size", "peak_mib"):
        worst = found.worst(by)
        assert len(worst) == 5
        assert [getattr(s, by) for s in worst] == sorted((getattr(s, by) for s in worst), reverse=True)
    assert all(s.html for s in found.worst("size"))
    assert list(rows_of(found.worst("seconds"))[0]) == [
        "login", "page", "status", "ms", "kb", "peak_mib", "rss_mib", "maxrss_growth_mib"]
    # Read-only: sessions live in signed cookies and signing in stamps nothing.
    assert Session.objects.count() == 0
    world.supervisor.refresh_from_db()
    assert world.supervisor.last_login == last_login

    summary = print_report(found, machine=False)

    assert summary["pages"] == len(found.samples) and summary["logins"] == 2 and summary["failures"] == 0
    out = capsys.readouterr().out
    for title in ("pages-worst-time", "pages-worst-html-size", "pages-worst-memory"):
        assert f"\n{title}\n" in out


def test_downloads_are_not_crawled():
    assert is_download("campaigns/<int:pk>/committee.xlsx")
    assert is_download("campaigns/<int:pk>/dossier/member-list.<str:file_format>")
    assert is_download("exports/<int:pk>/file/")
    assert is_download("campaigns/<int:pk>/dossier/documents/<int:doc_pk>/")
    assert not is_download("campaigns/<int:pk>/")
    assert not is_download("exports/new/")
