"""The API beside the pages, in process (Django's test Client: the whole
middleware stack, no HTTP server), timed one request at a time:

- list 50 campaigns: ``GET /api/v1/campaigns/?page_size=50`` (a token)
  beside the campaign list page ``/campaigns/`` (a session);
- move one campaign: put it on hold and resume it, over the API
  (``POST /api/v1/campaigns/{id}/transitions/hold/`` with its ETag) beside
  the transition pages' forms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench \\
        .venv/bin/python bench/api_bench.py [--iterations 100] [--user giamsat.khuvuc]

On the demo data (`manage.py load_demo`) by default. A script, not a test:
p50/p95 are printed, never asserted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Samples, database_url, report, setup, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--user", default="giamsat.khuvuc", help="a supervisor of the campaigns (demo login)")
    args = parser.parse_args()
    database_url()
    setup()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from workflows.api.tokens import token_create
    from workflows.campaigns.flows import Stage
    from workflows.campaigns.selectors import campaigns_shown_to

    user = get_user_model().objects.get(username=args.user)
    _token, key = token_create(user=user, name="bench", scope="write", days=1)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="vi")
    pages = Client()
    pages.force_login(user)
    campaign = campaigns_shown_to(user).filter(stage=Stage.SURVEYED, working_group__isnull=False).order_by("pk").first()
    if campaign is None:
        raise SystemExit(f"{args.user} sees no surveyed campaign with a working group: load the demo first.")

    def queries(call) -> int:
        with CaptureQueriesContext(connection) as captured:
            call()
        return len(captured.captured_queries)

    rows = []
    for name, call in (("list 50 campaigns, API", lambda: api.get("/api/v1/campaigns/?page_size=50")),
                       ("campaign list page", lambda: pages.get("/campaigns/"))):
        call()  # warm up
        samples = Samples()
        for _ in range(args.iterations):
            with timed(samples):
                response = call()
            samples.errors += response.status_code != 200
        samples.elapsed = sum(samples.latencies)
        rows.append({"scenario": name, "queries": queries(call), **samples.figures()})

    def api_move() -> None:
        etag = api.get(f"/api/v1/campaigns/{campaign.pk}/")["ETag"]
        for step in ("hold", "resume"):
            response = api.post(f"/api/v1/campaigns/{campaign.pk}/transitions/{step}/", {"note": "đo"},
                                content_type="application/json", HTTP_IF_MATCH=etag)
            assert response.status_code == 200, response.content
            etag = response["ETag"]

    def page_move() -> None:
        for step, seen in (("hold", Stage.SURVEYED), ("resume", Stage.ON_HOLD)):
            response = pages.post(f"/campaigns/{campaign.pk}/move/{step}/", {"expected_stage": seen, "note": "đo"})
            assert response.status_code == 302, response.status_code

    for name, call in (("hold and resume one campaign, API", api_move),
                       ("hold and resume one campaign, pages", page_move)):
        call()
        samples = Samples()
        for _ in range(max(1, args.iterations // 4)):
            with timed(samples):
                call()
        samples.elapsed = sum(samples.latencies)
        rows.append({"scenario": name, "queries": queries(call), **samples.figures()})
    report("api_vs_pages", rows)


if __name__ == "__main__":
    main()
