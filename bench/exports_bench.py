"""The registry export as a job (issue 19, #3), on a throwaway database:
the data of ``bench/generate.py`` at ``--scale`` (1.0 is the country's
1.000.000 enterprises), then the registry export job (``workflows.exports``,
kind "registry") run for the national manager — one province, then the
whole country — each in a fresh process: wall time, rows a second, the
file's size, the process's peak memory and how far it rose above the
process's baseline (Django and the writer loaded, nothing exported yet),
and the download streamed from the stored chunks (time and peak again);
beside it, the job's query alone (its rows read and dropped), to tell the
database's share of the time from the writer's. The memory should not grow
with the number of rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench .venv/bin/python bench/exports_bench.py \
        [--scale 0.05] [--repeat 3] [--keep | --database test_cdcs_bench]

The bench settings (production behaviour), on a test database created and
dropped by the script. A script, not a test: no time is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database_url, report, setup  # noqa: E402


def peak_mb() -> float:
    """The process's peak resident memory so far, in MiB: VmHWM, which starts
    afresh at exec (``ru_maxrss`` keeps the parent's peak across fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(unit_id: int | None) -> dict:
    """In a fresh process: one registry export job for the national manager
    (``unit_id``: the list's unit filter), then its download."""
    from unittest import mock

    from django.contrib.auth import get_user_model

    import workflows.campaigns.list_exports  # noqa: F401 — the producer and its writer, loaded before the baseline
    from workflows.campaigns.list_exports import unit_path_of
    from workflows.campaigns.selectors import enterprises_with_campaigns
    from workflows.enterprises.exports import EXPORT_FIELDS, registry_filters
    from workflows.exports import selectors, services
    from workflows.exports.models import ExportChunk
    from workflows.exports.selectors import query_of

    manager = get_user_model().objects.get(username="manager-national")
    parameters = {"unit": [str(unit_id)]} if unit_id else {}
    baseline = peak_mb()
    # the job's query alone, its rows read and dropped: what the database costs of the job's time
    started = time.perf_counter()
    query = query_of(parameters)
    filters = registry_filters(query, unit_path_of(manager, query))
    rows = enterprises_with_campaigns(manager, filters).values_list(*EXPORT_FIELDS, "responsible_unit__name",
                                                                    "has_union")
    read = sum(1 for _row in rows.iterator(chunk_size=2000))
    read_s = time.perf_counter() - started
    with mock.patch("workflows.exports.services.async_task"):  # the job is run here, not by a worker
        run = services.export_start(actor=manager, kind="registry", parameters=parameters, language="vi")
    started = time.perf_counter()
    run = services.export_run(run_id=run.pk)
    seconds = time.perf_counter() - started
    job_peak = peak_mb()
    assert run is not None and run.status == "ready", run and (run.status, run.error)
    started = time.perf_counter()
    streamed = sum(len(chunk) for chunk in selectors.export_file_chunks(run))
    download_s = time.perf_counter() - started
    assert streamed == run.size
    assert read == run.done
    return {"rows": run.done, "seconds": round(seconds, 2), "query_only_s": round(read_s, 2),
            "rows_per_s": round(run.done / seconds) if seconds else None,
            "file_mb": round(run.size / 2**20, 2), "chunks": ExportChunk.objects.filter(run=run).count(),
            "baseline_mb": baseline, "job_peak_mb": job_peak, "job_above_baseline_mb": round(job_peak - baseline, 1),
            "download_s": round(download_s, 2), "peak_after_download_mb": peak_mb()}


def measure_all(url: str, summary: dict, repeat: int) -> None:
    """Each scope ``repeat`` times, interleaved, each run in a fresh process."""
    rows = []
    for attempt in range(1, repeat + 1):
        for label, unit_id in (("one province", summary["samples"]["province_id"]), ("the country", None)):
            child = subprocess.run([sys.executable, __file__, "--measure", str(unit_id or 0)], check=True,
                                   capture_output=True, text=True, env={**os.environ, "DATABASE_URL": url})
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            rows.append({"scale": summary["scale"], "scope": label, "run": attempt, **figures})
    report("exports_registry", rows)


def main(scale: float, keep: bool, repeat: int) -> None:
    from django.db import connection

    from bench.common import RESULTS
    from bench.generate import generate

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        summary = generate(scale, log=lambda message: None, out=RESULTS / "exports-generated.json")
        print(f"generated at scale {scale} in {time.perf_counter() - started:.0f} s: "
              f"{summary['counts']['enterprises_enterprise']:,} enterprises", flush=True)
        measure_all(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_name, summary, repeat)
    finally:
        if keep:
            print(f"kept: {test_name} (measure it again: --database {test_name})")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.05, help="1.0: 1.000.000 enterprises (default 0.05)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scope, interleaved (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the test database")
    parser.add_argument("--database", help="measure a database kept by --keep (its generate summary: "
                                           "bench/results/exports-generated.json) instead of generating one")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # the child process: a unit id, 0 for all
    args = parser.parse_args()
    database_url()
    setup()
    if args.measure is not None:
        print(json.dumps(measure(args.measure or None)))
    elif args.database:
        from bench.common import RESULTS

        summary = json.loads((RESULTS / "exports-generated.json").read_text(encoding="utf-8"))
        measure_all(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + args.database, summary, args.repeat)
    else:
        main(args.scale, args.keep, args.repeat)
