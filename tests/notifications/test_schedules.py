"""The app's django-q2 schedules are written by a command that can run any
number of times; the cluster settings follow DESIGN.md."""
from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django_q.models import Schedule

from workflows.core import clock

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def schedules() -> list[tuple]:
    return list(Schedule.objects.order_by("name").values_list("name", "func", "schedule_type", "minutes",
                                                              "repeats", "next_run"))


def test_setup_schedules_is_idempotent(db):
    # given: run once at 10:00 on Monday 01/03/2027, Vietnamese time
    with clock.travel_to(dt.datetime(2027, 3, 1, 10, 0, tzinfo=VIETNAM)):
        call_command("setup_schedules", stdout=io.StringIO())
    first = schedules()

    # when: run again the next day, and once more after someone edited a schedule
    with clock.travel_to(dt.datetime(2027, 3, 2, 10, 0, tzinfo=VIETNAM)):
        call_command("setup_schedules", stdout=io.StringIO())
        Schedule.objects.filter(name="cdcs: daily e-mail digest").update(func="somewhere.else")
        out = io.StringIO()
        call_command("setup_schedules", stdout=out)

    # then: the same fourteen schedules, unchanged
    assert schedules() == first
    assert [(name, func, kind, minutes, repeats) for name, func, kind, minutes, repeats, _next in first] == [
        ("cdcs: collaborators whose access ended", "workflows.administration.jobs.collaborators_expire",
         Schedule.DAILY, None, -1),
        ("cdcs: daily e-mail digest", "workflows.notifications.jobs.digests_send", Schedule.DAILY, None, -1),
        ("cdcs: e-mail sweeper", "workflows.notifications.jobs.notifications_email_sweep", Schedule.MINUTES, 15, -1),
        ("cdcs: erasure of workers who did not join", "workflows.campaigns.jobs.workers_erase_due", Schedule.DAILY,
         None, -1),
        ("cdcs: figures counted by jobs, kept", "workflows.statistics.jobs.kept_figures_expire", Schedule.DAILY,
         None, -1),
        ("cdcs: old exports", "workflows.exports.jobs.exports_expire", Schedule.DAILY, None, -1),
        ("cdcs: old webhook events", "workflows.webhooks.jobs.events_forget_old", Schedule.DAILY, None, -1),
        ("cdcs: recognition review timers", "workflows.recognition.jobs.timers_fire", Schedule.MINUTES, 15, -1),
        ("cdcs: reminders and escalations", "workflows.notifications.jobs.reminders_run", Schedule.DAILY, None, -1),
        ("cdcs: stalled and overdue counters", "workflows.campaigns.jobs.day_counters_refresh", Schedule.DAILY,
         None, -1),
        ("cdcs: stalled and overdue counters check", "workflows.campaigns.jobs.day_counters_refresh",
         Schedule.MINUTES, 5, -1),
        ("cdcs: statistics reconciliation", "workflows.statistics.jobs.reconcile_nightly", Schedule.DAILY, None, -1),
        ("cdcs: stocks of every unit", "workflows.statistics.jobs.stocks_refresh", Schedule.MINUTES, 1, -1),
        ("cdcs: webhook deliveries", "workflows.webhooks.jobs.deliveries_sweep", Schedule.MINUTES, 1, -1),
    ]
    next_runs = {name: next_run.astimezone(VIETNAM) for name, *_rest, next_run in first}
    assert next_runs["cdcs: reminders and escalations"] == dt.datetime(2027, 3, 2, 6, 30, tzinfo=VIETNAM)
    assert next_runs["cdcs: daily e-mail digest"] == dt.datetime(2027, 3, 2, 7, 0, tzinfo=VIETNAM)
    assert next_runs["cdcs: statistics reconciliation"] == dt.datetime(2027, 3, 2, 2, 30, tzinfo=VIETNAM)
    assert next_runs["cdcs: collaborators whose access ended"] == dt.datetime(2027, 3, 2, 0, 30, tzinfo=VIETNAM)
    assert next_runs["cdcs: erasure of workers who did not join"] == dt.datetime(2027, 3, 2, 1, 30, tzinfo=VIETNAM)
    assert next_runs["cdcs: old webhook events"] == dt.datetime(2027, 3, 2, 3, 0, tzinfo=VIETNAM)
    assert next_runs["cdcs: old exports"] == dt.datetime(2027, 3, 2, 3, 30, tzinfo=VIETNAM)
    assert next_runs["cdcs: figures counted by jobs, kept"] == dt.datetime(2027, 3, 2, 2, 45, tzinfo=VIETNAM)
    assert next_runs["cdcs: stalled and overdue counters"] == dt.datetime(2027, 3, 2, 0, 1, tzinfo=VIETNAM)
    assert next_runs["cdcs: stalled and overdue counters check"] == dt.datetime(2027, 3, 1, 10, 0, tzinfo=VIETNAM)
    assert out.getvalue().count("up to date") == 14


def test_the_cluster_settings():
    cluster = {**settings.Q_CLUSTER}
    assert cluster["retry"] > cluster["timeout"]
    assert (cluster["save_limit"], cluster["catch_up"]) == (0, False)
    assert cluster["queue_limit"] <= 50
    assert cluster["orm"] == "default" if not settings.REDIS_URL else cluster["redis"] == settings.REDIS_URL
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
