"""The django-q2 schedules of the app, kept in code and written by
``manage.py setup_schedules`` (idempotent: by name; run it at every deploy)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django_q.models import Schedule

from workflows.core import clock

#: Schedules run on Vietnamese time whatever the server's clock says.
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Plan:
    name: str
    func: str
    at: dt.time | None = None  # daily at this local time
    every_minutes: int | None = None


PLANS = (
    Plan("cdcs: reminders and escalations", "workflows.notifications.jobs.reminders_run", at=dt.time(6, 30)),
    Plan("cdcs: daily e-mail digest", "workflows.notifications.jobs.digests_send", at=dt.time(7, 0)),
    Plan("cdcs: e-mail sweeper", "workflows.notifications.jobs.notifications_email_sweep", every_minutes=15),
    Plan("cdcs: recognition review timers", "workflows.recognition.jobs.timers_fire", every_minutes=15),
    # every unit's stocks (members, workforce not unionised) for the dashboards: at once when nothing changed
    Plan("cdcs: stocks of every unit", "workflows.statistics.jobs.stocks_refresh", every_minutes=1),
    Plan("cdcs: statistics reconciliation", "workflows.statistics.jobs.reconcile_nightly", at=dt.time(2, 30)),
    Plan("cdcs: figures counted by jobs, kept", "workflows.statistics.jobs.kept_figures_expire",
         at=dt.time(2, 45)),
    # the dashboard's stalled and overdue per unit subtree, counted for the day: anew after midnight, and
    # within minutes of a change of the reference data (until then the dashboard sums the fine rows)
    Plan("cdcs: stalled and overdue counters", "workflows.campaigns.jobs.day_counters_refresh",
         at=dt.time(0, 1)),
    Plan("cdcs: stalled and overdue counters check", "workflows.campaigns.jobs.day_counters_refresh",
         every_minutes=5),
    Plan("cdcs: collaborators whose access ended", "workflows.administration.jobs.collaborators_expire",
         at=dt.time(0, 30)),
    # Decree 13/2023: the personal data of workers who did not join, once their campaigns are long closed
    Plan("cdcs: erasure of workers who did not join", "workflows.campaigns.jobs.workers_erase_due",
         at=dt.time(1, 30)),
    # webhooks: retries whose time came, deliveries whose sender died; the outbox kept for 90 days
    Plan("cdcs: webhook deliveries", "workflows.webhooks.jobs.deliveries_sweep", every_minutes=1),
    Plan("cdcs: old webhook events", "workflows.webhooks.jobs.events_forget_old", at=dt.time(3, 0)),
    # prepared files (lists, reports) are kept for 7 days
    Plan("cdcs: old exports", "workflows.exports.jobs.exports_expire", at=dt.time(3, 30)),
)


def _next_daily(at: dt.time, now: dt.datetime) -> dt.datetime:
    local = now.astimezone(ZONE)
    run = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return run if run > local else run + dt.timedelta(days=1)


@transaction.atomic
def schedules_setup() -> list[tuple[str, bool]]:
    """Create or update every schedule of PLANS; (name, created) for each.
    A daily schedule keeps its next run unless its time of day changed."""
    now, done = clock.now(), []
    for plan in PLANS:
        fields = {"func": plan.func, "args": None, "kwargs": None, "repeats": -1, "cluster": None}
        if plan.at is not None:
            fields.update(schedule_type=Schedule.DAILY, minutes=None)
        else:
            fields.update(schedule_type=Schedule.MINUTES, minutes=plan.every_minutes)
        existing = Schedule.objects.select_for_update().filter(name=plan.name).order_by("pk")
        for extra in existing[1:]:
            extra.delete()
        schedule = existing.first()
        created = schedule is None
        schedule = schedule or Schedule(name=plan.name)
        for name, value in fields.items():
            setattr(schedule, name, value)
        if plan.at is not None:
            local = schedule.next_run.astimezone(ZONE) if schedule.next_run else None
            if created or local is None or (local.hour, local.minute) != (plan.at.hour, plan.at.minute):
                schedule.next_run = _next_daily(plan.at, now)
        elif created or schedule.next_run is None:
            schedule.next_run = now
        schedule.save()
        done.append((plan.name, created))
    return done
