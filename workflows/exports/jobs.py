"""django-q2 jobs of the exports: prepare one file; every night, delete the
old ones. Either may run more than once (see ``services``)."""
from __future__ import annotations

from . import services


def export_run(run_id: int) -> str:
    run = services.export_run(run_id=run_id)
    return run.status if run is not None else "not this job's"


def exports_expire() -> dict[str, int]:
    return services.exports_expire()
