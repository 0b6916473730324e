"""What every benchmark shares: Django set up on the bench settings, a
timer that keeps every sample, and one way to print figures — a JSON line
(for machines and bench/RESULTS.md) and a table (for people).

Benchmarks are scripts, never tests: nothing here asserts a time.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def setup(settings: str = "project.settings.bench") -> None:
    """Set Django up (call before importing models)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()
    # as a gunicorn worker does once it has loaded the application (project/gunicorn.conf.py)
    from project.runtime import freeze_startup_objects

    freeze_startup_objects()


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0–100) of ``samples``, nearest-rank."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Samples:
    """Latencies in seconds of one scenario, and how long it ran in all."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0

    def add(self, seconds: float) -> None:
        self.latencies.append(seconds)

    def merge(self, other: Samples) -> None:
        self.latencies += other.latencies
        self.errors += other.errors

    def figures(self) -> dict:
        n = len(self.latencies)
        return {
            "count": n, "errors": self.errors, "seconds": round(self.elapsed, 3),
            "per_second": round(n / self.elapsed, 1) if self.elapsed else None,
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 2) if n else None,
            "p95_ms": round(percentile(self.latencies, 95) * 1000, 2) if n else None,
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2) if n else None,
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if n else None,
        }


@contextmanager
def timed(samples: Samples):
    started = time.perf_counter()
    yield
    samples.add(time.perf_counter() - started)


def report(benchmark: str, rows: Iterable[dict], *, machine: bool = True) -> list[dict]:
    """Print ``rows`` (one dict per scenario, same keys) as JSON lines and as
    a table; keep them under bench/results/ for RESULTS.md."""
    rows = [{"benchmark": benchmark, **row} for row in rows]
    for row in rows:
        print("JSON " + json.dumps(row, ensure_ascii=False, default=str))
    if rows:
        keys = list(dict.fromkeys(k for row in rows for k in row if k != "benchmark"))
        cells = [[_cell(row.get(k)) for k in keys] for row in rows]
        widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
        print(f"\n{benchmark}")
        print("  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for c in cells:
            print("  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(c, widths, strict=True)))
        print()
    if machine:
        RESULTS.mkdir(parents=True, exist_ok=True)
        with open(RESULTS / f"{benchmark}.jsonl", "a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({**row, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, ensure_ascii=False,
                                     default=str) + "\n")
    return rows


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "\u202f")
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace("\u202f", "").replace(".", "", 1).replace("-", "", 1).isdigit()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL=postgres://… (a database of their own).")
    return url
