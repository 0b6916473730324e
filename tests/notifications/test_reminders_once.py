"""Each reminder is delivered once — in the app and by e-mail — however
often the job runs on a day, in whatever batches, and when a run dies
half-way; e-mail follows each user's preference (each, daily digest, off).

The day: Thursday 04/03/2027. The officer has a task due on Monday 08/03
(reminded 2 working days ahead), one due today, and one that was due on
Monday 01/03 (3 working days overdue: escalated to the supervisor, and in
the officer's overdue digest); a task due today waits in the group's queue
for the officer and a colleague.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tests.conftest import colleague_of
from tests.notifications.helpers import D, add_task, notifications_by_user, quiet_campaign, run_on
from workflows.core import clock
from workflows.notifications import jobs, services
from workflows.notifications.models import EmailStatus, Notification, Reminder

THURSDAY = D(2027, 3, 4)


@pytest.fixture
def due(world):
    colleague = colleague_of(world)
    campaign = quiet_campaign(world, on=D(2027, 3, 1))
    tasks = {
        "soon": add_task(world, campaign, on=D(2027, 3, 1), due=D(2027, 3, 8), assignee=world.officer, title="Sắp"),
        "today": add_task(world, campaign, on=D(2027, 3, 1), due=THURSDAY, assignee=world.officer, title="Hôm nay"),
        "queue": add_task(world, campaign, on=D(2027, 3, 1), due=THURSDAY, title="Hàng chờ"),
        "late": add_task(world, campaign, on=D(2027, 3, 1), due=D(2027, 3, 1), assignee=world.officer, title="Trễ"),
    }
    return colleague, tasks


EXPECTED = {
    "colleague": ["due_today"],
    "officer": ["before_due", "due_today", "due_today", "overdue_digest"],
    "supervisor": ["escalation_overdue"],
}


def mails_by_user(mailoutbox) -> dict[str, int]:
    found: dict[str, int] = {}
    for mail in mailoutbox:
        (address,) = mail.to
        found[address.split("@")[0]] = found.get(address.split("@")[0], 0) + 1
    return found


def test_the_day_s_reminders(world, due, django_capture_on_commit_callbacks, mailoutbox):
    # when
    run = run_on(THURSDAY, django_capture_on_commit_callbacks)

    # then: six reminders, six notifications, six e-mails
    assert (run.working_day, run.delivered, run.notifications) == (True, 6, 6)
    assert notifications_by_user() == EXPECTED
    assert mails_by_user(mailoutbox) == {"colleague": 1, "officer": 4, "supervisor": 1}
    assert Notification.objects.exclude(email_status=EmailStatus.SENT).count() == 0
    # the e-mails say what is due (in the site's language) and keep one Message-ID each
    colleague, tasks = due
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext("Due today: %(title)s") % {"title": "Hàng chờ"}
    assert [m.subject for m in mailoutbox if m.to == [colleague.email]] == [expected]
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 6
    digest = Notification.objects.get(kind="overdue_digest")
    assert (digest.params["count"], [t["title"] for t in digest.params["tasks"]]) == (1, ["Trễ"])
    escalation = Notification.objects.get(kind="escalation_overdue")
    assert (escalation.params["count"], escalation.params["days"], escalation.params["tasks"][0]["who"]) == (
        1, 3, world.officer.get_full_name())


def test_running_twice_on_the_same_day_sends_each_reminder_once(world, due, django_capture_on_commit_callbacks,
                                                               mailoutbox):
    # given
    run_on(THURSDAY, django_capture_on_commit_callbacks)

    # when
    again = run_on(THURSDAY, django_capture_on_commit_callbacks)

    # then: nothing more
    assert (again.delivered, again.notifications) == (0, 0)
    assert Reminder.objects.count() == 6
    assert Notification.objects.count() == 6
    assert len(mailoutbox) == 6


def test_small_batches_deliver_the_same(world, due, django_capture_on_commit_callbacks, mailoutbox):
    # when: one row a batch (keyset pagination everywhere)
    run = run_on(THURSDAY, django_capture_on_commit_callbacks, batch_size=1)

    # then
    assert (run.delivered, run.notifications) == (6, 6)
    assert notifications_by_user() == EXPECTED
    assert len(mailoutbox) == 6


def test_a_run_that_dies_after_deciding_is_completed_by_the_next(world, due, django_capture_on_commit_callbacks,
                                                                 mailoutbox, monkeypatch):
    # given: a run that dies when it starts delivering
    def dies(**kwargs):
        raise SystemExit("killed")

    with monkeypatch.context() as patch:
        patch.setattr(services, "reminders_deliver", dies)
        with pytest.raises(SystemExit):
            run_on(THURSDAY, django_capture_on_commit_callbacks)
    assert (Reminder.objects.count(), Reminder.objects.filter(delivered_at=None).count()) == (6, 6)
    assert (Notification.objects.count(), len(mailoutbox)) == (0, 0)

    # when: the job runs again
    run = run_on(THURSDAY, django_capture_on_commit_callbacks)

    # then: it delivers what the dead run decided, once
    assert (run.delivered, run.notifications) == (6, 6)
    assert notifications_by_user() == EXPECTED
    assert len(mailoutbox) == 6


def test_a_run_that_dies_half_way_through_delivery(world, due, django_capture_on_commit_callbacks, mailoutbox,
                                                   monkeypatch):
    # given: a run, one recipient a batch, that dies after its first batch committed
    deliver, calls = services.reminders_deliver, []

    def dies_second_time(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise SystemExit("killed")
        return deliver(**kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(services, "reminders_deliver", dies_second_time)
        with pytest.raises(SystemExit):
            run_on(THURSDAY, django_capture_on_commit_callbacks, batch_size=1)
    delivered_before = Notification.objects.count()
    assert 0 < delivered_before < 6

    # when
    run = run_on(THURSDAY, django_capture_on_commit_callbacks)

    # then
    assert run.notifications == 6 - delivered_before
    assert notifications_by_user() == EXPECTED
    assert mails_by_user(mailoutbox) == {"colleague": 1, "officer": 4, "supervisor": 1}


def test_an_email_job_that_runs_twice_sends_once(world, due, django_capture_on_commit_callbacks, mailoutbox):
    # given: the reminders were delivered and e-mailed
    run_on(THURSDAY, django_capture_on_commit_callbacks)
    ids = list(Notification.objects.values_list("pk", flat=True))

    # when: the e-mail job is retried, and the sweeper runs an hour later
    resent = jobs.notifications_email(ids)
    with clock.travel_to(clock.now().replace(hour=11)), django_capture_on_commit_callbacks(execute=True):
        swept = jobs.notifications_email_sweep()

    # then
    assert (resent, swept) == (0, 0)
    assert len(mailoutbox) == 6


def test_turning_email_off_keeps_the_notifications_in_the_app(world, due, django_capture_on_commit_callbacks,
                                                             mailoutbox):
    # given
    services.preference_set(user=world.officer, email="off")

    # when
    run_on(THURSDAY, django_capture_on_commit_callbacks)

    # then: the officer's four notifications are under the bell, not in the mail
    assert notifications_by_user() == EXPECTED
    assert mails_by_user(mailoutbox) == {"colleague": 1, "supervisor": 1}
    assert list(Notification.objects.filter(recipient=world.officer).values_list("email_status", flat=True)) == [
        EmailStatus.NONE] * 4


def test_the_daily_digest(world, due, django_capture_on_commit_callbacks, mailoutbox):
    # given: the officer chose the digest; the morning's reminders came; one was read
    services.preference_set(user=world.officer, email="digest")
    run_on(THURSDAY, django_capture_on_commit_callbacks)
    assert mails_by_user(mailoutbox) == {"colleague": 1, "supervisor": 1}
    read = Notification.objects.filter(recipient=world.officer, kind="before_due").get()
    services.notifications_mark_read(user=world.officer, notification_ids=[read.pk])
    mailoutbox.clear()

    # when: the digest job runs, twice
    first = jobs.digests_send(day=THURSDAY)
    second = jobs.digests_send(day=THURSDAY)

    # then: one e-mail with the three unread notifications
    assert (first, second) == (1, 0)
    assert [m.to for m in mailoutbox] == [[world.officer.email]]
    with translation.override(settings.LANGUAGE_CODE):
        expected = ngettext("%(count)d unread notification", "%(count)d unread notifications", 3) % {"count": 3}
    assert mailoutbox[0].subject == expected
    assert "Hôm nay" in mailoutbox[0].body and "Hàng chờ" in mailoutbox[0].body and "Sắp" not in mailoutbox[0].body
    assert sorted(Notification.objects.filter(recipient=world.officer).values_list("email_status", flat=True)) == [
        EmailStatus.NONE, EmailStatus.SENT, EmailStatus.SENT, EmailStatus.SENT]


def test_the_digest_waits_for_a_working_day(world, due, django_capture_on_commit_callbacks, mailoutbox):
    # given: the officer chose the digest; notifications arrived on Thursday
    services.preference_set(user=world.officer, email="digest")
    run_on(THURSDAY, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    # when: the digest job runs on Saturday, then on Monday
    saturday = jobs.digests_send(day=D(2027, 3, 6))
    monday = jobs.digests_send(day=D(2027, 3, 8))

    # then
    assert (saturday, monday) == (0, 1)
    assert [m.to for m in mailoutbox] == [[world.officer.email]]


def test_the_run_reminders_command(world, due, django_capture_on_commit_callbacks, mailoutbox):
    # when: an operator runs the day's reminders by hand, twice, and on a Saturday
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_reminders", "--day", "2027-03-04", stdout=out)
        call_command("run_reminders", "--day", "2027-03-04", stdout=out)
        call_command("run_reminders", "--day", "2027-03-06", stdout=out)

    # then
    assert out.getvalue().splitlines() == [
        "04/03/2027: 6 reminder(s) delivered in 6 notification(s); their e-mail is queued.",
        "04/03/2027: 0 reminder(s) delivered in 0 notification(s); their e-mail is queued.",
        "06/03/2027 is not a working day: nothing to send.",
    ]
    assert (Notification.objects.count(), len(mailoutbox)) == (6, 6)


def test_e_mail_that_a_dead_run_did_not_queue_is_queued_by_the_next(world, due, django_capture_on_commit_callbacks,
                                                                     mailoutbox, monkeypatch):
    # given: a run that delivered everything and died before queueing any e-mail
    with monkeypatch.context() as patch:
        patch.setattr(services, "emails_queue", lambda **kwargs: None)
        run_on(THURSDAY, django_capture_on_commit_callbacks)
    assert (Notification.objects.count(), len(mailoutbox)) == (6, 0)

    # when: the job runs again an hour later
    with clock.travel_to(dt.datetime(2027, 3, 4, 10, 0)), django_capture_on_commit_callbacks(execute=True):
        run = jobs.reminders_run()

    # then: nothing new in the app, the six e-mails leave once
    assert (run.delivered, run.notifications) == (0, 0)
    assert mails_by_user(mailoutbox) == {"colleague": 1, "officer": 4, "supervisor": 1}
