"""Background jobs of the statistics app (django-q2)."""
from workflows.core import clock

from . import engine, kept_figures, stocks
from .reconcile import reconcile


def reconcile_nightly() -> int:
    """Recompute the summary tables, log and repair any drift; returns the
    number of drifted rows (0 is the only right answer)."""
    return len(reconcile(fix=True)) + len(stocks_check(fix=True))


def stocks_refresh() -> int | None:
    """Put every unit's stocks in place when anything they are computed
    from changed (every minute; at once when nothing did). Returns the
    counter's value they include (None: not kept here, or not now)."""
    run = stocks.refresh(engine.stock_values, today=clock.today())
    return run.generation if run else None


def stocks_check(*, fix: bool = False) -> list[int]:
    """The units whose stored stocks, while they count as exact, differ from
    a recomputation (none is the only right answer); with ``fix``, put the
    recomputation in place."""
    today = clock.today()
    if not stocks.fresh(today, today):
        return []
    drifted = stocks.drift(engine.stock_values(today))
    if drifted and fix:
        stocks.refresh(engine.stock_values, today=today, force=True)
    return drifted


def kept_figures_count(row_id: int) -> str:
    """Count the figures a page asked for (a past day's dashboard, a report from the history: ``kept_figures``)."""
    row = kept_figures.count(row_id)
    return row.status if row is not None else "not this job's"


def kept_figures_expire() -> int:
    return kept_figures.expire()
