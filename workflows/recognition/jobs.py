"""django-q2 jobs of the recognition review."""
from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from viewflow.workflow.timers import fire_due_timers

from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign
from workflows.campaigns.selectors import reference_zones
from workflows.core import clock

from .services import review_cancel

logger = logging.getLogger(__name__)


def timers_fire(day: dt.date | str | None = None) -> int:
    """Fire the review's due timers (escalations of steps waiting too long).
    Nothing is escalated on a day off everywhere — a weekend, a public
    holiday, a national extra day off (``day``, today unless given): a timer
    due then fires on the next working morning's run. A unit's own days off
    are already in its timers: each is due on the first working morning of
    the campaign's unit after the step's due day (``flows.escalates_at``).
    Each timer fires once, under its process's lock, whichever worker runs
    this."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else (day or clock.today())
    if not any(zone.calendar.is_working_day(day) for zone in reference_zones(on=day, start=day, end=day)):
        return 0
    fired = fire_due_timers()
    if fired:
        logger.info("recognition: %d timer(s) fired", fired)
    return fired


def review_cancel_for_campaign(campaign_id: int) -> bool:
    """Stop the recognition review of an abandoned campaign. Queued after
    the commit by the abandon transition (``workflows.campaigns.flows``:
    the campaigns app does not know this one). Idempotent: a campaign that
    is not abandoned, or whose review is absent, recognised or already
    cancelled, is left as it is. Returns whether the campaign was abandoned."""
    with transaction.atomic():
        # the campaign first, as every service locks it (then the dossier)
        campaign = Campaign.objects.select_for_update(of=("self",)).filter(pk=campaign_id).first()
        if campaign is None or campaign.stage != Stage.ABANDONED:
            return False
        review_cancel(campaign=campaign)
    return True
