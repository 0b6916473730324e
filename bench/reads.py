"""Reads in process (no HTTP server): the real views through Django's test
Client (whole middleware stack, sessions, templates), timed one by one, with
the SQL queries of each request counted.

- the dashboard (/overview/) and the official report's page of the whole
  country (the national manager), one province (its supervisor) and one
  child unit (its supervisor); the report's files are jobs
  (bench/exports_bench.py);
- My tasks (/tasks/) and the campaign list (/campaigns/) of an officer and of
  the supervisors; the board of each scope; an officer's tasks as their
  supervisor pages them.

--variants compares the ways of reading of ``VARIANTS`` in one process,
request by request in turn (fine cohorts and rows, as before issue 19,
against the rollups), and prints the ratio of their medians.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_helper_c \\
        .venv/bin/python -m bench.reads [--iterations 200] [--warmup 20] [--only dashboard]
        [--explain] [--profile SCENARIO] [--reset-demo-passwords]

The identities come from bench/results/generated.json (bench/generate.py),
else from the demo data (`manage.py load_demo`). Targets are printed, never
asserted. --explain prints EXPLAIN ANALYZE of the slowest query of every
scenario that misses its target (or of all with --explain-all); --profile
runs one scenario under cProfile and prints where the time goes.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Samples, database_url, percentile, report, setup  # noqa: E402


@dataclass(frozen=True)
class Scenario:
    name: str
    username: str
    path: str
    p95_target_ms: float | None = None
    max_queries: int | None = None
    content_type: str = "text/html"
    #: figures too long for a page: asked for with this POST first and counted by their job (``count_kept``)
    ask_path: str = ""
    #: settings the scenario runs under (besides a variant's)
    settings: tuple[tuple[str, object], ...] = ()


def scenarios(ids) -> list[Scenario]:
    from django.urls import reverse

    overview, report_page = reverse("statistics:home"), reverse("statistics:report")
    from workflows.core import clock

    past_day = (clock.today().replace(day=1) - dt.timedelta(days=1)).isoformat()
    past_count, report_count = reverse("statistics:past_count"), reverse("statistics:report_count")
    mid_month = (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=15).isoformat()
    days = f"span=range&start={mid_month[:4]}-01-01&end={mid_month}"  # not whole months: from the history
    tasks, campaigns = reverse("campaigns:my_tasks"), reverse("campaigns:list")
    # issue 19's targets: the country p95 ≤ 25 ms, a province ≤ 15 ms, a child unit ≤ 10 ms
    scopes = [("country", ids.manager, ids.root_unit_id, 25.0),
              ("province", ids.province_supervisor, ids.province_unit_id, 15.0),
              ("child-unit", ids.child_supervisor, ids.child_unit_id, 10.0)]
    found = []
    for scope, user, unit, target in scopes:
        found += [
            # as its users see it: counted once, then shared for DASHBOARD_SHARED_SECONDS (the first
            # request of the run counts); and counted on every request ("Count again now")
            Scenario(f"dashboard {scope}", user, f"{overview}?unit={unit}", target),
            Scenario(f"dashboard {scope}, counted", user, f"{overview}?unit={unit}&again=1", target),
            # past its minute (here: at once): the figures kept shown, counted again after the page is sent;
            # timed until the page is sent, the count after it printed beside
            Scenario(f"dashboard {scope}, old figures shown", user, f"{overview}?unit={unit}", target,
                     settings=(("DASHBOARD_SHARED_SECONDS", 0), ("DASHBOARD_STALE_SECONDS", 900))),
            # the report's page (its files are jobs now: bench/exports_bench.py); a period, then as of a day
            Scenario(f"report {scope}", user, f"{report_page}?unit={unit}", 100.0),
            # as it stood at the end of last month: from the history up to REPORT_ON_SCREEN_MAX_CAMPAIGNS
            # campaigns, past that counted once by a job and kept (``count_past_days`` runs it first)
            Scenario(f"dashboard as of a past day {scope}", user, f"{overview}?unit={unit}&as_of={past_day}", 100.0,
                     ask_path=f"{past_count}?unit={unit}&as_of={past_day}"),
            # a period of days (the year to the 15th of last month): from the history, as the past day
            Scenario(f"report of a period of days {scope}", user, f"{report_page}?unit={unit}&{days}", 100.0,
                     ask_path=f"{report_count}?unit={unit}&{days}"),
        ]
    # The drill-down: the national manager looking at one province.
    found.append(Scenario("dashboard province (manager)", ids.manager, f"{overview}?unit={ids.province_unit_id}",
                          15.0))
    for role, user in [("officer", ids.officer), ("child-unit supervisor", ids.child_supervisor),
                       ("province supervisor", ids.province_supervisor)]:
        found += [Scenario(f"my tasks {role}", user, tasks, 30.0, 6),
                  Scenario(f"campaign list {role}", user, campaigns, 30.0, 6)]
    # Issue 19's targets: the board (p95 < 100 ms) for each scope; a province supervisor's campaign
    # list (< 40 ms); the national manager's list; an officer's tasks as a supervisor pages them.
    board = reverse("campaigns:board")
    found += [Scenario("board country (manager)", ids.manager, board, 100.0),
              Scenario("board province supervisor", ids.province_supervisor, board, 100.0),
              Scenario("board child-unit supervisor", ids.child_supervisor, board, 100.0),
              Scenario("campaign list province supervisor (open)", ids.province_supervisor,
                       f"{campaigns}?open=1", 40.0),
              Scenario("campaign list country (manager)", ids.manager, campaigns, 40.0)]
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.filter(username=ids.officer).values_list("pk", flat=True).first()
    if officer:
        found.append(Scenario("officer's tasks page (child-unit supervisor)", ids.child_supervisor,
                              reverse("organisation:officer_tasks", args=[officer]), 30.0))
    return found


#: The ways of reading compared side by side (--variants): the settings each runs under.
VARIANTS = {
    "fine": {"SUMMARY_ROLLUPS_READ": False},  # before issue 19: the cohorts summed, the rows counted
    "rollups": {"SUMMARY_ROLLUPS_READ": True},
}


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b")


def shape(sql: str) -> str:
    """The statement with its literals blanked: repeated shapes are a query per row."""
    return _LITERALS.sub("?", sql)


@dataclass
class Measured:
    scenario: Scenario
    samples: Samples
    queries: list[int]
    sql_ms: list[float]
    captured: list[dict]  # the queries of the last request
    status: int
    size: int
    variant: str = ""
    after_ms: list[float] = field(default_factory=list)  # work left for after the page was sent


def run(client, scenario: Scenario, *, iterations: int, warmup: int, budget: float) -> Measured:
    return run_variants(client, scenario, {"": {}}, iterations=iterations, warmup=warmup, budget=budget)[""]


def run_variants(client, scenario: Scenario, variants: dict[str, dict], *, iterations: int, warmup: int,
                 budget: float) -> dict[str, Measured]:
    """Each iteration requests the page once under each variant's settings,
    in turn (A, B, A, B, …): a machine that slows down meanwhile slows both.
    A page is timed until it is handed to the server: work it left for after
    that (``core.after_response``, which the test client runs as it closes
    the response) is timed apart, its queries not counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from workflows.core import after_response

    found = {name: Measured(scenario, Samples(), [], [], [], 0, 0, name) for name in variants}
    for _ in range(warmup):
        for name, settings in variants.items():
            with override_settings(**dict(scenario.settings), **settings):
                response = client.get(scenario.path)
                found[name].status, found[name].size = response.status_code, len(response.content)
    started = time.perf_counter()
    run_after, sent = after_response._run, {}

    def timed_after(pending):
        sent["at"], sent["queries"] = time.perf_counter(), len(context.captured_queries)
        run_after(pending)

    after_response._run = timed_after
    try:
        for _ in range(iterations):
            for name, settings in variants.items():
                m = found[name]
                sent.clear()
                with override_settings(**dict(scenario.settings), **settings), \
                        CaptureQueriesContext(connection) as context:
                    t0 = time.perf_counter()
                    response = client.get(scenario.path)
                    body = response.content
                    done = time.perf_counter()
                    m.samples.add(sent.get("at", done) - t0)
                    if sent:
                        m.after_ms.append((done - sent["at"]) * 1000)
                page_queries = context.captured_queries[:sent.get("queries", len(context.captured_queries))]
                m.status, m.size = response.status_code, len(body)
                if m.status != 200 or not response["Content-Type"].startswith(scenario.content_type):
                    m.samples.errors += 1
                m.queries.append(len(page_queries))
                m.sql_ms.append(sum(float(q["time"]) for q in page_queries) * 1000)
                m.captured = page_queries
            if time.perf_counter() - started > budget:
                break
    finally:
        after_response._run = run_after
    for m in found.values():
        m.samples.elapsed = time.perf_counter() - started
    return found


def row_of(m: Measured, *, variant: str = "") -> dict:
    figures = m.samples.figures()
    p95 = figures["p95_ms"]
    repeated = Counter(shape(q["sql"]) for q in m.captured).most_common(1)
    meets = []
    if m.scenario.p95_target_ms is not None:
        meets.append(p95 is not None and p95 < m.scenario.p95_target_ms)
    if m.scenario.max_queries is not None:
        meets.append(max(m.queries, default=0) <= m.scenario.max_queries)
    return {
        "scenario": f"{m.scenario.name} [{variant}]" if variant else m.scenario.name,
        "user": m.scenario.username, "status": m.status, "bytes": m.size,
        "count": figures["count"], "errors": figures["errors"],
        "p50_ms": figures["p50_ms"], "p95_ms": p95, "p99_ms": figures["p99_ms"],
        "queries": max(m.queries, default=0), "sql_p50_ms": round(percentile(m.sql_ms, 50), 2),
        "same_query_max": repeated[0][1] if repeated else 0,
        **({"after_p50_ms": round(percentile(m.after_ms, 50), 2)} if m.after_ms else {}),
        "target": _target_text(m.scenario), "meets": ("yes" if all(meets) else "NO") if meets else "—",
    }


def _target_text(s: Scenario) -> str:
    parts = []
    if s.p95_target_ms is not None:
        parts.append(f"p95<{s.p95_target_ms:g}ms")
    if s.max_queries is not None:
        parts.append(f"q<={s.max_queries}")
    return " ".join(parts) or "—"


def explain(m: Measured) -> None:
    """EXPLAIN ANALYZE of the slowest query of the last request, and the
    repeated statements (a query per row) if any."""
    from django.db import connection

    print(f"--- {m.scenario.name} ({m.scenario.path}): {len(m.captured)} queries, "
          f"{sum(float(q['time']) for q in m.captured) * 1000:.1f} ms of SQL in the last request")
    for q in m.captured:
        print(f"  {float(q['time']) * 1000:6.2f} ms  {q['sql'][:160]}")
    shapes = Counter(shape(q["sql"]) for q in m.captured)
    for statement, n in shapes.most_common(3):
        if n > 1:
            print(f"  repeated {n}×: {statement[:300]}")
    if not m.captured:
        return
    slowest = max(m.captured, key=lambda q: float(q["time"]))
    print(f"  slowest ({float(slowest['time']) * 1000:.2f} ms): {slowest['sql'][:1500]}")
    if not slowest["sql"].lstrip().upper().startswith("SELECT"):
        return
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        for (line,) in cursor.fetchall():
            print("   ", line)
    print()


def profile(client, scenario: Scenario, iterations: int) -> None:
    for _ in range(10):
        client.get(scenario.path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        _ = client.get(scenario.path).content  # read the body: streaming responses render here
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"--- cProfile of {scenario.name} ({scenario.path}), {iterations} requests: cumulative\n")
    stats.sort_stats("cumulative").print_stats(40)
    out.write(f"--- cProfile of {scenario.name}: own time\n")
    stats.sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def count_kept(clients, chosen: list[Scenario]) -> None:
    """Figures too long for a page (a past day's dashboard, a report of days), asked for as a user does (the
    POST) and counted by their job here, timed: the scenarios then read them as users get them once counted."""
    from django_q.models import OrmQ

    from workflows.statistics import kept_figures
    from workflows.statistics.models import KeptFigures, KeptFiguresStatus

    KeptFigures.objects.all().delete()  # counted afresh by this run
    queued_before = OrmQ.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for scenario in chosen:
        if not scenario.ask_path:
            continue
        response = clients[scenario.username].post(scenario.ask_path)
        rows = list(KeptFigures.objects.filter(status=KeptFiguresStatus.QUEUED).values_list("pk", flat=True))
        for pk in rows:
            started = time.perf_counter()
            row = kept_figures.count(pk)
            print(f"  {scenario.name}: counted by its job in {time.perf_counter() - started:.1f} s "
                  f"({row.status}, {len(row.figures):,} B kept)", flush=True)
        if not rows:
            print(f"  {scenario.name}: counted on its page ({response.status_code}, no job)", flush=True)
    OrmQ.objects.filter(id__gt=queued_before).delete()  # the jobs the POSTs queued (ORM broker): run above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--budget", type=float, default=12.0,
                        help="at most this many seconds per scenario (fewer iterations if slower)")
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this text")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of misses")
    parser.add_argument("--explain-all", action="store_true", help="… of every scenario")
    parser.add_argument("--profile", default="",
                        help="cProfile the scenario of this name (or starting with / containing it)")
    parser.add_argument("--profile-iterations", type=int, default=50)
    parser.add_argument("--reset-demo-passwords", action="store_true",
                        help="(not needed here: the client signs in with force_login)")
    parser.add_argument("--identities", type=Path, default=None, help="another generated.json")
    parser.add_argument("--no-save", action="store_true", help="do not append to bench/results/reads.jsonl")
    parser.add_argument("--variants", action="store_true",
                        help="compare the ways of reading (VARIANTS) interleaved, request by request")
    args = parser.parse_args()

    database_url()
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.identities import identities

    ids = identities(args.identities)
    print(f"identities from {ids.source}: root unit {ids.root_unit_id}, province {ids.province_unit_id}, "
          f"child unit {ids.child_unit_id}; officer {ids.officer}, supervisors {ids.child_supervisor} / "
          f"{ids.province_supervisor}, manager {ids.manager}")
    users = get_user_model().objects.in_bulk(ids.usernames, field_name="username")
    missing = sorted(set(ids.usernames) - set(users))
    if missing:
        sys.exit(f"missing users: {', '.join(missing)}")
    clients: dict[str, Client] = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)

    chosen = [s for s in scenarios(ids) if args.only in s.name]
    if args.profile:
        scenario = next((s for s in chosen if s.name == args.profile), None) or next(
            (s for s in chosen if s.name.startswith(args.profile)), None) or next(
            (s for s in chosen if args.profile in s.name), None)
        if scenario is None:
            sys.exit(f"no scenario matches {args.profile!r}")
        profile(clients[scenario.username], scenario, args.profile_iterations)
        return

    count_kept(clients, chosen)
    measured = []
    variants = VARIANTS if args.variants else {"": {}}
    for scenario in chosen:
        found = run_variants(clients[scenario.username], scenario, variants, iterations=args.iterations,
                             warmup=args.warmup, budget=args.budget)
        for name, m in found.items():
            measured.append(m)
            row = row_of(m, variant=name)
            print(f"  {row['scenario']:52} p50 {row['p50_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms  "
                  f"{row['queries']:3} queries {row['bytes']:>9} B  {row['target']:>16}  {row['meets']}"
                  + (f"  (then {row['after_p50_ms']:.2f} ms after it was sent)" if "after_p50_ms" in row else ""),
                  flush=True)
        if len(found) > 1:
            first, last = (found[name].samples.figures()["p50_ms"] for name in (next(iter(found)), list(found)[-1]))
            print(f"  {'':52} p50 ratio {first / last:6.1f}×" if first and last else "", flush=True)
    report("reads", [row_of(m, variant=m.variant) for m in measured], machine=not args.no_save)
    for m in measured:
        if args.explain_all or (args.explain and row_of(m, variant=m.variant)["meets"] == "NO"):
            explain(m)


if __name__ == "__main__":
    main()
