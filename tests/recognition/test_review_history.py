"""The dossier page's "review so far" names who took each step, and the
system for the steps a job or the flow took (an escalation by the timer,
the recognition); a link to the campaign is shown only to whom may open
it (the campaign policy decides)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory, grant
from tests.recognition.dossiers import submitted, waiting
from workflows.core import clock
from workflows.recognition import jobs, services
from workflows.recognition.models import Dossier

pytestmark = pytest.mark.django_db

#: Thursday before Tết 2026: the verification is due on 26/02 and escalated on Friday 27/02.
BEFORE_TET = dt.date(2026, 2, 12)


def history(page: str) -> list[str]:
    """"Step — who" of each row of the review so far."""
    section = page[page.index('id="review-history"'):]
    return [f"{title}{who.rstrip()}" for title, who in
            re.findall(r"<li><strong>(.*?)</strong>(.*?)<small", section, flags=re.S)]


def test_the_steps_a_job_took_read_as_the_system(client, world):
    # given: a verification escalated by the timer job, then a recognition
    with clock.travel_to(BEFORE_TET):
        campaign = submitted(world)
    assert jobs.timers_fire(day="2026-02-27") == 1
    with clock.travel_to(dt.date(2026, 3, 2)):
        services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
        services.dossier_decide(task_id=waiting(campaign, "decide").pk, actor=world.supervisor, approve=True,
                                decision_number="7/QĐ", decision_date=campaign.congress_on, admitted_members=5)
    client.cookies["django_language"] = "en"
    client.force_login(world.supervisor)

    # when
    response = client.get(reverse("recognition:dossier", args=[campaign.pk]))

    # then
    assert response.status_code == 200
    rows = history(response.content.decode())
    assert rows == [
        f"Submit the dossier — {world.officer.get_full_name()}",
        f"Verify the dossier — {world.other_officer.get_full_name()}",
        "Escalate to the supervisors — System",
        f"Decide on recognition — {world.supervisor.get_full_name()}",
        "Recognise the CĐCS — System"], rows


def test_a_review_started_before_its_submitter_was_recorded_names_the_submitter(client, world):
    campaign = submitted(world)
    dossier = Dossier.objects.get(campaign=campaign)
    # reviews started before the start step recorded its owner
    from viewflow.workflow.models import Task as FlowTask

    FlowTask.objects.filter(process__recognitionprocess__dossier=dossier, flow_task_type="START").update(owner=None)
    client.cookies["django_language"] = "en"
    client.force_login(world.supervisor)
    rows = history(client.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode())
    assert rows == [f"Submit the dossier — {world.officer.get_full_name()}", "Verify the dossier"]


@pytest.mark.parametrize("role", ["officer", "verifier", "supervisor", "province_supervisor", "manager"])
def test_the_dossier_page_links_to_the_campaign_only_for_whom_may_open_it(client, world, role):
    province_supervisor = UserFactory(username="province_supervisor")
    grant(world.province, province_supervisor, "supervisor", actor=world.admin)
    person = {"officer": world.officer, "verifier": world.other_officer, "supervisor": world.supervisor,
              "province_supervisor": province_supervisor, "manager": world.manager}[role]
    campaign = submitted(world)
    client.force_login(person)

    page = client.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode()

    campaign_url = reverse("campaigns:detail", args=[campaign.pk])
    assert (f'href="{campaign_url}"' in page) == (role != "verifier")
    # every link of the page opens for its reader
    links = sorted(set(re.findall(r'href="(/[^"#?]*)', page)) - {"/static/"})
    refused = [(url, status) for url in links if not url.startswith(("/static/", "/i18n/", "/accounts/logout"))
               and (status := client.get(url).status_code) >= 400]
    assert refused == []
