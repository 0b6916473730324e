"""Phone first (issue 16): recording an assessment or a conversation takes
at most three taps from My tasks — Record, the worker, a level or an
outcome — on pages that work 375 px wide."""
from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse

from tests.conftest import campaign_at
from tests.pages import links_of
from workflows.campaigns import register
from workflows.campaigns.flows import Stage
from workflows.campaigns.people_pages import RecordLinks, record_links
from workflows.core import clock
from workflows.people.models import Assessment, Conversation, Worker
from workflows.people.services import WorkerData


def _case_with_worker(world, stage=Stage.SURVEYED):
    campaign = campaign_at(world, stage)
    worker = register.worker_add(campaign_id=campaign.pk, actor=world.officer,
                                 data=WorkerData(full_name="Nguyễn Thị Hoa", department="May 1"))
    return campaign, worker


def _form_posting_to(html: str, action: str, **hidden) -> bool:
    """Does ``html`` hold a POST form to ``action`` with these hidden values?"""
    for form in re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S):
        if form[0] == action and all(f'name="{k}" value="{v}"' in form[1] for k, v in hidden.items()):
            return True
    return False


def test_three_taps_from_my_tasks_record_an_assessment(client, world):
    campaign, worker = _case_with_worker(world)
    client.force_login(world.officer)
    my_tasks = client.get(reverse("campaigns:my_tasks"))
    field_url = reverse("campaigns:field", args=[campaign.pk])
    assert field_url in links_of(my_tasks).links

    tap_1 = client.get(field_url)
    quick_url = reverse("campaigns:worker_quick", args=[campaign.pk, worker.pk])
    assert quick_url in links_of(tap_1).links
    tap_2 = client.get(quick_url)
    assess_url = reverse("campaigns:worker_assess", args=[campaign.pk, worker.pk])
    assert _form_posting_to(tap_2.content.decode(), assess_url, level=2, back="field")
    tap_3 = client.post(assess_url, {"level": "2", "back": "field"})

    assessment = Assessment.objects.get()
    worker.refresh_from_db()
    assert (tap_1.status_code, tap_2.status_code, tap_3.status_code) == (200, 200, 302)
    assert tap_3.url == field_url
    assert (assessment.worker_id, assessment.level, assessment.assessed_on) == (worker.pk, 2, clock.today())
    assert worker.support_level == 2
    assert len(list(client.get(field_url).context["messages"])) == 1


def test_three_taps_from_my_tasks_record_a_conversation(client, world):
    campaign, worker = _case_with_worker(world)
    client.force_login(world.officer)
    field_url = reverse("campaigns:field", args=[campaign.pk])
    assert field_url in links_of(client.get(reverse("campaigns:my_tasks"))).links
    quick_url = reverse("campaigns:worker_quick", args=[campaign.pk, worker.pk])
    assert quick_url in links_of(client.get(field_url)).links
    page = client.get(quick_url).content.decode()
    talk_url = reverse("campaigns:worker_quick_conversation", args=[campaign.pk, worker.pk])
    assert f'action="{talk_url}"' in page and 'name="outcome" value="supportive"' in page

    response = client.post(talk_url, {"outcome": "supportive"})

    conversation = Conversation.objects.get()
    assert (response.status_code, response.url) == (302, field_url)
    assert (conversation.kind, conversation.outcome, conversation.held_on) == ("one_to_one", "supportive",
                                                                                clock.today())
    assert list(conversation.workers.values_list("pk", flat=True)) == [worker.pk]
    assert conversation.officer_id == world.officer.pk


def test_the_field_page_leaves_out_workers_who_left_or_were_anonymised(client, world):
    campaign, worker = _case_with_worker(world)
    gone = register.worker_add(campaign_id=campaign.pk, actor=world.officer,
                               data=WorkerData(full_name="Trần Văn Đi", employment_status="left"))
    hidden = register.worker_add(campaign_id=campaign.pk, actor=world.officer, data=WorkerData(full_name="Lê Ẩn"))
    register.worker_consent_withdraw(campaign_id=campaign.pk, worker_id=hidden.pk, actor=world.officer,
                                     on=clock.today())
    client.force_login(world.officer)

    response = client.get(reverse("campaigns:field", args=[campaign.pk]))
    quick_gone = client.get(reverse("campaigns:worker_quick", args=[campaign.pk, gone.pk]))

    assert [w.pk for w in response.context["page"]] == [worker.pk]
    assert quick_gone.status_code == 404


def test_the_field_page_searches_by_name(client, world):
    campaign, worker = _case_with_worker(world)
    register.worker_add(campaign_id=campaign.pk, actor=world.officer, data=WorkerData(full_name="Phạm Văn Bình"))
    client.force_login(world.officer)

    response = client.get(reverse("campaigns:field", args=[campaign.pk]), {"q": "Hoa"})

    assert [w.pk for w in response.context["page"]] == [worker.pk]


@pytest.mark.parametrize("role", ["anonymous", "other_officer", "other_supervisor", "manager", "administrator"])
def test_a_tap_of_someone_outside_the_case_records_nothing(client, world, role):
    campaign, worker = _case_with_worker(world)
    if role != "anonymous":
        client.force_login(world.user(role))

    assess = client.post(reverse("campaigns:worker_assess", args=[campaign.pk, worker.pk]),
                         {"level": "1", "back": "field"})
    talk = client.post(reverse("campaigns:worker_quick_conversation", args=[campaign.pk, worker.pk]),
                       {"outcome": "supportive"})

    expected = 302 if role == "anonymous" else 404
    assert (assess.status_code, talk.status_code) == (expected, expected)
    assert (Assessment.objects.count(), Conversation.objects.count()) == (0, 0)


def test_a_worker_of_another_enterprise_looks_missing(client, world):
    from tests.factories import EnterpriseFactory

    campaign, _ = _case_with_worker(world)
    elsewhere = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    stranger = register.worker_add(campaign_id=elsewhere.pk, actor=world.officer, data=WorkerData(full_name="Khác"))
    client.force_login(world.officer)

    page = client.get(reverse("campaigns:worker_quick", args=[campaign.pk, stranger.pk]))
    tap = client.post(reverse("campaigns:worker_assess", args=[campaign.pk, stranger.pk]), {"level": "1"})

    assert (page.status_code, tap.status_code) == (404, 404)
    assert Assessment.objects.count() == 0
    assert Worker.objects.get(pk=stranger.pk).support_level is None


def test_my_tasks_shows_the_record_link_only_where_it_opens(client, world):
    campaign, _ = _case_with_worker(world)
    field_url = reverse("campaigns:field", args=[campaign.pk])

    client.force_login(world.officer)
    officer = links_of(client.get(reverse("campaigns:my_tasks"))).links
    client.force_login(world.other_officer)
    other = links_of(client.get(reverse("campaigns:my_tasks"))).links

    assert field_url in officer
    assert field_url not in other


def test_my_tasks_shows_the_record_link_at_a_later_stage_too(client, world):
    campaign, _ = _case_with_worker(world, Stage.EMPLOYER_CONTACTED)
    client.force_login(world.officer)

    response = client.get(reverse("campaigns:my_tasks"))

    assert reverse("campaigns:field", args=[campaign.pk]) in links_of(response).links


def test_the_visit_link_shows_at_stage_surveyed_once_the_survey_pages_exist(world):
    campaign, _ = _case_with_worker(world)
    task = campaign.tasks.select_related("campaign__responsible_unit").first()
    try:
        expected = reverse("people:visit_add", args=[campaign.enterprise_id])
    except NoReverseMatch:  # built by the survey pages
        expected = ""

    links = record_links(world.officer, task)

    assert links == RecordLinks(field_url=reverse("campaigns:field", args=[campaign.pk]), visit_url=expected)
    assert record_links(world.manager, task) is None
