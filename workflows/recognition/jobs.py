"""django-q2 jobs of the recognition review."""
from __future__ import annotations

import datetime as dt
import logging

from viewflow.workflow.timers import fire_due_timers

from workflows.core import clock
from workflows.organisation.workdays import is_working_day

logger = logging.getLogger(__name__)


def timers_fire(day: dt.date | str | None = None) -> int:
    """Fire the review's due timers (escalations of steps waiting too long).
    Nothing is escalated on a weekend or a public holiday (``day``, today
    unless given): a timer due then fires on the next working morning's run.
    Each timer fires once, under its process's lock, whichever worker runs
    this."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else (day or clock.today())
    if not is_working_day(day):
        return 0
    fired = fire_due_timers()
    if fired:
        logger.info("recognition: %d timer(s) fired", fired)
    return fired
