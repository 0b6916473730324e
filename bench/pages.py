"""The pages benchmark: every role of the data set crawls the product's pages
(bench/crawl.py: every link reachable by GET from the home page, a few URLs
of each URL pattern, downloads skipped) in this one process, and each page
is measured — its time, its HTML size and the memory it took: the peak of
Python's allocations during the request above what was allocated before it
(tracemalloc; a gunicorn worker's peak is about the process's size before
any request plus that), the process's RSS after it and how much the
request raised the process's peak RSS (ru_maxrss). It prints the worst five
pages by time, by size and by memory, and the RSS before any request.

Issue 19's targets: no request over 10 s, no HTML page over 500 KB, a
worker's peak under 150 MiB on any page.

    DJANGO_SETTINGS_MODULE=project.settings.bench \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench \\
        .venv/bin/python bench/pages.py [--per-pattern 3] [--per-login 300] [--no-trace]

It only reads: the clients keep their session in a signed cookie and
signing in does not stamp ``last_login``. tracemalloc slows Python down
(about 1,5–2×): ``--no-trace`` times the pages without it (the memory
column is then empty).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # run as a script: bench/ is not on the path yet
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report, setup
from bench.crawl import Crawl, crawl

MIB = 1024 * 1024
#: Targets of issue 19.
TARGET_SECONDS = 10.0
TARGET_KB = 500
TARGET_PEAK_MIB = 150
#: A page printed as the crawl goes when it takes longer than this.
SLOW_SECONDS = 5.0
#: URL patterns not opened: files (an export, a document, a spreadsheet) are not pages.
DOWNLOAD = re.compile(r"(\.(xlsx|docx|csv|pdf|zip)|\.<str:[a-z_]+>|/file/|/documents/<int:[a-z_]+>/)$")


def is_download(pattern: str) -> bool:
    return bool(DOWNLOAD.search(pattern))


def rss_mib() -> float:
    """The process's resident size now (Linux /proc; else its peak)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB
    except OSError:
        return max_rss_mib()


def max_rss_mib() -> float:
    """The process's peak resident size so far (ru_maxrss: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class PageSample:
    login: str
    path: str
    status: int
    seconds: float
    size: int  # bytes of the response's body
    html: bool
    peak_mib: float | None  # Python allocations' peak during the request, above those before it (tracemalloc)
    rss_mib: float  # the process's RSS after the request
    maxrss_growth_mib: float  # how much the request raised the process's peak RSS


@dataclass
class PagesReport:
    rss_before_mib: float  # before any request (Django set up, URLs loaded)
    traced: bool
    samples: list[PageSample] = field(default_factory=list)
    crawls: list[Crawl] = field(default_factory=list)
    max_rss_mib: float = 0.0

    @property
    def failures(self) -> list[str]:
        return [f"{c.login}: {failure}" for c in self.crawls for failure in c.failures]

    def worst(self, by: str, n: int = 5) -> list[PageSample]:
        """The ``n`` worst pages by ``by`` ("seconds", "size" of HTML pages, "peak_mib")."""
        samples = [s for s in self.samples if (s.html if by == "size" else getattr(s, by) is not None)]
        return sorted(samples, key=lambda s: (-getattr(s, by), s.path))[:n]


@contextmanager
def read_only_sign_in() -> Iterator[None]:
    """Sessions in signed cookies and no ``last_login`` stamp: signing in
    and crawling write nothing to the database."""
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login
    from django.test.utils import override_settings

    disconnected = user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    try:
        with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
            yield
    finally:
        if disconnected:
            user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")


def measure(users: Sequence, *, per_pattern: int = 3, per_login: int = 300, trace: bool = True,
            log=print) -> PagesReport:
    """Crawl as each of ``users`` in turn (in this process) and measure every page opened."""
    from django.test import Client
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (load every URLconf before measuring the process)
    gc.collect()
    result = PagesReport(rss_before_mib=round(rss_mib(), 1), traced=trace)
    if trace:
        tracemalloc.start()
    try:
        with read_only_sign_in():
            for user in users:
                client = Client(raise_request_exception=False)
                client.force_login(user)

                def get(path: str, htmx: bool, client=client, login=user.username):
                    before_max = max_rss_mib()
                    if trace:
                        tracemalloc.reset_peak()
                        traced_before = tracemalloc.get_traced_memory()[0]
                    started = time.perf_counter()
                    response = client.get(path, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
                    body = b"" if response.streaming else response.content
                    seconds = time.perf_counter() - started
                    peak = (tracemalloc.get_traced_memory()[1] - traced_before) / MIB if trace else None
                    result.samples.append(PageSample(
                        login=login, path=path, status=response.status_code, seconds=seconds, size=len(body),
                        html="html" in response.get("Content-Type", ""), peak_mib=peak, rss_mib=rss_mib(),
                        maxrss_growth_mib=max_rss_mib() - before_max))
                    if seconds > SLOW_SECONDS:  # a long crawl shows where it is
                        log(f"    {login} {path}: {seconds:.1f} s, {len(body) / 1000:.0f} KB", flush=True)
                    return response

                started = time.perf_counter()
                done = crawl(client, user.username, per_pattern=per_pattern, per_login=per_login, get=get,
                             skip=is_download)
                result.crawls.append(done)
                log(f"  {user.username}: {len(done.visited)} pages of {len(done.per_pattern)} URL patterns in "
                    f"{time.perf_counter() - started:.1f} s, {len(done.failures)} failures; RSS {rss_mib():.1f} MiB",
                    flush=True)
    finally:
        if trace:
            tracemalloc.stop()
    result.max_rss_mib = round(max_rss_mib(), 1)
    return result


def rows_of(samples: Sequence[PageSample]) -> list[dict]:
    return [{"login": s.login, "page": s.path[:90], "status": s.status, "ms": round(s.seconds * 1000, 1),
             "kb": round(s.size / 1000, 1), "peak_mib": round(s.peak_mib, 1) if s.peak_mib is not None else None,
             "rss_mib": round(s.rss_mib, 1), "maxrss_growth_mib": round(s.maxrss_growth_mib, 1)}
            for s in samples]


def print_report(found: PagesReport, *, machine: bool = True) -> dict:
    """The worst five by time, HTML size and memory (tables, and JSON lines
    under bench/results/ when ``machine``); returns the summary."""
    summary = {
        "pages": len(found.samples), "logins": len(found.crawls), "failures": len(found.failures),
        "rss_before_mib": found.rss_before_mib, "max_rss_mib": found.max_rss_mib, "traced": found.traced,
        "over_10_s": sum(s.seconds > TARGET_SECONDS for s in found.samples),
        "html_over_500_kb": sum(s.html and s.size > TARGET_KB * 1000 for s in found.samples),
        "worker_peak_over_150_mib": sum(found.rss_before_mib + s.peak_mib > TARGET_PEAK_MIB
                                        for s in found.samples if s.peak_mib is not None),
    }
    for by, title in (("seconds", "pages-worst-time"), ("size", "pages-worst-html-size"),
                      ("peak_mib", "pages-worst-memory")):
        report(title, rows_of(found.worst(by)), machine=machine)
    report("pages", [summary], machine=machine)
    for failure in found.failures[:20]:
        print(f"FAILURE {failure}")
    return summary


def users_of_the_data_set(identities_path: Path | None = None) -> list:
    """The bench's roles: the national manager, the province's manager and
    supervisor, the child unit's supervisor, its officer and the technical
    administrator (a superuser), those that exist."""
    from django.contrib.auth import get_user_model

    from bench.identities import GENERATED, identities

    ids = identities(identities_path)
    names = [ids.manager, ids.province_supervisor, ids.child_supervisor, ids.officer]
    path = identities_path or GENERATED
    if ids.source != "demo" and path.exists():
        samples = json.loads(path.read_text(encoding="utf-8")).get("samples", {})
        if code := samples.get("province_code", "").removeprefix("ldld-"):
            names.insert(1, f"manager-{code}")
        names.append(samples.get("admin_username", ""))
    else:  # the demo's manager is the province's
        names += ["quantri", "admin"]
    users = get_user_model().objects.in_bulk([n for n in names if n], field_name="username")
    return [users[n] for n in names if n in users]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-pattern", type=int, default=3, help="URLs opened of one URL pattern, per login")
    parser.add_argument("--per-login", type=int, default=300, help="URLs opened in all, per login")
    parser.add_argument("--no-trace", action="store_true", help="time without tracemalloc (no memory column)")
    parser.add_argument("--only", default="", help="the logins whose username contains this text")
    parser.add_argument("--identities", type=Path, default=None, help="another generated.json")
    parser.add_argument("--no-save", action="store_true", help="do not append to bench/results/pages*.jsonl")
    args = parser.parse_args()
    setup()
    users = [u for u in users_of_the_data_set(args.identities) if args.only in u.username]
    print(f"logins: {', '.join(u.username for u in users)}", flush=True)
    found = measure(users, per_pattern=args.per_pattern, per_login=args.per_login, trace=not args.no_trace)
    print(json.dumps(print_report(found, machine=not args.no_save), ensure_ascii=False))


if __name__ == "__main__":
    main()
