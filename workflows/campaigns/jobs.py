"""django-q2 functions of the campaigns app (idempotent: run them as often
as you like)."""
from __future__ import annotations

from workflows.core import clock
from workflows.people.imports import imports_forget_stale

from . import day_counters, erasure


def workers_erase_due() -> int:
    """Daily: erase the personal data of the workers who did not join, once
    their enterprise's campaigns are closed long enough (``erasure``), and
    drop the rows that imports of workers read more than a month ago. A
    second run the same day erases nothing: the erased are anonymised."""
    imports_forget_stale(now=clock.now())
    return erasure.workers_erase_due(today=clock.today())


def day_counters_refresh() -> bool:
    """Just after midnight, and every few minutes: count the stalled
    campaigns and overdue tasks per unit subtree for today if they are not
    counted for today and the reference data now (a new day, a rule set or
    calendar changed, a unit moved). One query when they are."""
    return day_counters.refresh(today=clock.today())
