"""The figures engine over a province: ``engine.figures_for`` and
``targets.attach`` of every programme overlapping the period, timed and with
their SQL queries counted, for

- the year (whole months: the summary tables),
- the year, forced to the base tables (``from_base``: what a filtered or
  cut-off report reads),
- the congress term to date (a period ending mid-month: the base tables),
- the term to date with an "entered by" cut-off and a workforce floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench_gen \\
        .venv/bin/python bench/report_bench.py [--iterations 5] [--unit CODE] [--day 2026-11-20]

The province is bench/results/generated.json's (bench/generate.py), else the
demo province's (`manage.py load_demo`), or the unit of --unit. A script,
not a test: no time is asserted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Samples, database_url, report, setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--unit", help="the code of the unit (default: the bench or demo province)")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=None,
                        help="the period's end for the term to date (default: today)")
    args = parser.parse_args()
    database_url()
    setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.identities import identities
    from workflows.core import clock
    from workflows.organisation.models import Unit
    from workflows.statistics import targets
    from workflows.statistics.engine import Filters, figures_for
    from workflows.statistics.models import Programme, ProgrammeBasis
    from workflows.statistics.periods import Period

    unit = Unit.objects.get(code=args.unit) if args.unit else Unit.objects.get(pk=identities().province_unit_id)
    today = clock.today()
    day = args.day or today
    term = (targets.programmes_for(unit, start=day, end=day).filter(basis_kind=ProgrammeBasis.CONGRESS_RESOLUTION)
            .first())
    term_period = (Period.programme_to_date(term, day) if term
                   else Period.between(dt.date(day.year - 2, 10, 1), day))  # no term recorded: a term's length
    year = Period.year(day.year)
    cases = [("year", year, {}), ("year, base tables", year, {"from_base": True}),
             ("term to date", term_period, {}),
             ("term to date, entered by, >=25 workers", term_period.cut(day - dt.timedelta(days=5)),
              {"filters": Filters(min_workforce=25)})]
    rows = []
    for name, period, options in cases:
        samples, queries, programmes_count = Samples(), 0, 0
        started = time.perf_counter()
        for _ in range(args.iterations):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                board = figures_for(unit, period, today=today, **options)
                programmes = list(targets.programmes_for(unit, start=period.start, end=period.end))
                targets.attach(board, programmes)
                samples.add(time.perf_counter() - t0)
            queries, programmes_count = len(captured.captured_queries), len(programmes)
        samples.elapsed = time.perf_counter() - started
        figures = samples.figures()
        rows.append({"scenario": name, "unit": unit.code, "days": f"{period.start:%d/%m/%Y}–{period.end:%d/%m/%Y}",
                     "rows": len(board.rows), "programmes": programmes_count, "queries": queries,
                     "p50_ms": figures["p50_ms"], "p95_ms": figures["p95_ms"], "mean_ms": figures["mean_ms"],
                     "new_members": board.total.new_members, "union_members": board.total.union_members})
    print(f"{Programme.objects.count()} programmes in the database; unit {unit.name}")
    report("report_bench", rows)


if __name__ == "__main__":
    main()
