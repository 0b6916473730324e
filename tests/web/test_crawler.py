"""The crawler (bench/crawl.py): the demo province, every scheduled job run once, then each
demo login follows every same-site link from its home page (GET only,
bounded), as a person clicking through the product would.

A link shown to a user must open for that user: no 5xx anywhere, and no
link that answers 4xx (403, 404, 405 …) or sends the user back to the
sign-in page. ``hx-get`` targets count as links (htmx loads them on the
same page).

The demo is built once for the module on a fixed working day inside a
transaction that is rolled back at the end, like tests/demo.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils.module_loading import import_string

from bench.crawl import crawl
from workflows.core import clock
from workflows.demo.builder import LOGINS
from workflows.notifications.schedules import PLANS

pytestmark = pytest.mark.django_db

#: A Friday: the reminders, the digest and the review timers all run on it.
BUILT_ON = dt.datetime(2026, 11, 20, 9, 0)
#: The jobs run a week later (a Friday too), when reminders and escalations are due.
JOBS_ON = dt.datetime(2026, 11, 27, 9, 0)
#: Bounds of one login's crawl: URLs of one URL pattern, URLs in all.
PER_PATTERN = 20
PER_LOGIN = 800


@pytest.fixture(scope="module")
def demo_after_jobs(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with clock.travel_to(BUILT_ON):
            call_command("load_demo", stdout=io.StringIO())
        with clock.travel_to(JOBS_ON):
            for plan in PLANS:
                import_string(plan.func)()
        yield
        transaction.set_rollback(True)


def test_every_scheduled_job_ran_and_left_an_escalation(demo_after_jobs):
    # The defects it guards against appeared only after the jobs: an event
    # with no actor (an escalation) on a campaign page, which every login
    # who may see that campaign reaches through a notification or a list.
    from workflows.campaigns.models import CampaignEvent

    assert CampaignEvent.objects.filter(actor__isnull=True).exists()


@pytest.mark.parametrize("login", [login.username for login in LOGINS])
def test_every_link_a_login_is_shown_opens_for_it(demo_after_jobs, login):
    client = Client()
    client.force_login(get_user_model().objects.get(username=login))
    with clock.travel_to(JOBS_ON):
        result = crawl(client, login, per_pattern=PER_PATTERN, per_login=PER_LOGIN)
    print(f"{login}: {len(result.visited)} pages of {len(result.per_pattern)} URL patterns")
    assert result.failures == []
    # The crawl went beyond the home page: each role has pages to open.
    assert len(result.visited) >= 10
