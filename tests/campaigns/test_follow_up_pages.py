"""The pages of a new grassroots union's first year (issue 20): the
"First year" section of a recognised campaign, completing a milestone with
its day and evidence, recording a failure, the list of follow-ups and the
unit page's status."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import FailureReason, FollowUp, Milestone, Task, TaskStatus
from workflows.core import clock
from workflows.statistics.models import MemberMovement, MovementKind

RECOGNISED_ON = dt.date(2026, 3, 2)  # a Monday
LATER = dt.date(2026, 5, 4)  # the first milestones (22 working days) are past due by then


def _recognised(world, name="Công ty Hoa Sen"):
    enterprise = EnterpriseFactory(responsible_unit=world.district, name=name)
    with clock.travel_to(RECOGNISED_ON):
        return campaign_at(world, Stage.RECOGNISED, enterprise=enterprise)


def _milestone(campaign, milestone):
    return Task.objects.get(campaign=campaign, milestone=milestone)


def _written(campaign):
    """What completing or failing would change."""
    follow_up = FollowUp.objects.get(campaign=campaign)
    return (list(Task.objects.filter(campaign=campaign, stage=Stage.RECOGNISED).order_by("pk")
                 .values_list("status", "done_on", "closing_note")),
            follow_up.launch_on, follow_up.failed_on, follow_up.members_lost, MemberMovement.objects.count())


# --- the "First year" section ----------------------------------------------------------
def test_the_section_shows_the_milestones_with_their_due_dates(client, world):
    campaign = _recognised(world)
    tasks = list(Task.objects.filter(campaign=campaign, stage=Stage.RECOGNISED).order_by("due_on", "pk"))
    client.force_login(world.officer)

    with clock.travel_to(LATER):
        response = client.get(reverse("campaigns:detail", args=[campaign.pk]))

    section = response.context["follow_up"]
    assert response.status_code == 200
    assert [row.task.pk for row in section.milestones] == [t.pk for t in tasks]
    assert len(tasks) == 7
    assert (section.status, section.done, section.can_fail) == ("late", 0, False)
    assert [row.overdue for row in section.milestones] == [t.due_on < LATER for t in tasks]
    assert all(row.can_complete for row in section.milestones)
    assert (section.follow_up.opened_on, section.follow_up.ends_on) == (RECOGNISED_ON, dt.date(2027, 3, 2))
    body = response.content.decode()
    for task in tasks:
        assert f'id="milestone-{task.pk}"' in body
        assert task.due_on.strftime("%d/%m/%Y") in body
    assert body.count(reverse("campaigns:task_complete", args=[tasks[0].pk])) == 1  # in the section, not twice
    assert reverse("campaigns:follow_up_fail", args=[campaign.pk]) not in body
    assert response.context["open_rows"] == ()  # the milestones are the section's, not the task list's


def test_an_officer_of_the_founding_group_completes_a_milestone_with_its_day_and_evidence(client, world):
    campaign = _recognised(world)
    launch = _milestone(campaign, Milestone.LAUNCH)
    client.force_login(world.officer)
    page = reverse("campaigns:detail", args=[campaign.pk])

    with clock.travel_to(LATER):
        response = client.post(reverse("campaigns:task_complete", args=[launch.pk]),
                               {"done_on": "16/03/2026", "note": "Biên bản ra mắt ngày 16/3", "next": page})

    assert (response.status_code, response["Location"]) == (302, page)
    launch.refresh_from_db()
    assert (launch.status, launch.done_on, launch.closing_note, launch.closed_by) == (
        TaskStatus.DONE, dt.date(2026, 3, 16), "Biên bản ra mắt ngày 16/3", world.officer)
    assert FollowUp.objects.get(campaign=campaign).launch_on == dt.date(2026, 3, 16)


def test_done_on_defaults_to_today(client, world):
    campaign = _recognised(world)
    cards = _milestone(campaign, Milestone.CARDS)
    client.force_login(world.officer)

    with clock.travel_to(LATER):
        response = client.post(reverse("campaigns:task_complete", args=[cards.pk]),
                               {"done_on": "", "note": "Đã phát thẻ"})

    cards.refresh_from_db()
    assert (response.status_code, cards.status, cards.done_on) == (302, TaskStatus.DONE, LATER)


@pytest.mark.parametrize("data", [{"done_on": "16/03/2026", "note": ""},  # no evidence
                                  {"done_on": "31/02/2026", "note": "Biên bản"},  # not a day
                                  {"done_on": "01/03/2026", "note": "Biên bản"},  # before the recognition
                                  {"done_on": "05/05/2026", "note": "Biên bản"}])  # in the future
def test_a_refused_milestone_answers_400_and_writes_nothing(client, world, data):
    campaign = _recognised(world)
    launch = _milestone(campaign, Milestone.LAUNCH)
    before = _written(campaign)
    client.force_login(world.officer)

    with clock.travel_to(LATER):
        response = client.post(reverse("campaigns:task_complete", args=[launch.pk]), data)

    assert response.status_code == 400
    assert _written(campaign) == before


def test_a_missing_note_says_why(client, world):
    campaign = _recognised(world)
    launch = _milestone(campaign, Milestone.LAUNCH)
    client.force_login(world.officer)

    with translation.override("en"), clock.travel_to(LATER):
        response = client.post(reverse("campaigns:task_complete", args=[launch.pk]),
                               {"done_on": "16/03/2026", "note": " "}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "Hãy ghi những gì đã làm: minh chứng của mốc." in response.content.decode()


def test_a_manager_reads_the_section_without_forms_and_may_not_complete(client, world):
    campaign = _recognised(world)
    launch = _milestone(campaign, Milestone.LAUNCH)
    before = _written(campaign)
    client.force_login(world.manager)

    with clock.travel_to(LATER):
        page = client.get(reverse("campaigns:detail", args=[campaign.pk]))
        refused = client.post(reverse("campaigns:task_complete", args=[launch.pk]),
                              {"done_on": "16/03/2026", "note": "Biên bản"})

    section = page.context["follow_up"]
    assert page.status_code == 200
    assert (len(section.milestones), section.can_fail, page.context["fail_form"]) == (7, False, None)
    assert [row.can_complete for row in section.milestones] == [False] * 7
    body = page.content.decode()
    assert reverse("campaigns:task_complete", args=[launch.pk]) not in body
    assert 'name="done_on"' not in body
    assert reverse("campaigns:follow_up_fail", args=[campaign.pk]) not in body
    assert refused.status_code == 404
    assert _written(campaign) == before


@pytest.mark.parametrize("role", ["other_officer", "other_supervisor"])
def test_who_may_not_see_the_campaign_gets_404_and_writes_nothing(client, world, role):
    campaign = _recognised(world)
    launch = _milestone(campaign, Milestone.LAUNCH)
    before = _written(campaign)
    client.force_login(world.user(role))

    with clock.travel_to(LATER):
        page = client.get(reverse("campaigns:detail", args=[campaign.pk]))
        refused = client.post(reverse("campaigns:task_complete", args=[launch.pk]),
                              {"done_on": "16/03/2026", "note": "Biên bản"})

    assert (page.status_code, refused.status_code) == (404, 404)
    assert _written(campaign) == before


def test_a_milestone_is_completed_from_my_tasks(client, world):
    campaign = _recognised(world)
    dues = _milestone(campaign, Milestone.DUES_REMITTED)
    client.force_login(world.officer)

    with clock.travel_to(LATER):
        inbox = client.get(reverse("campaigns:my_tasks"), {"stage": ""})
        done = client.post(reverse("campaigns:task_complete", args=[dues.pk]),
                           {"done_on": "20/04/2026", "note": "Giấy nộp tiền số 15",
                            "next": reverse("campaigns:my_tasks")})

    body = inbox.content.decode()
    assert body.count('name="done_on"') == 7  # each milestone row has its day and evidence inline
    assert (done.status_code, done["Location"]) == (302, reverse("campaigns:my_tasks"))
    assert FollowUp.objects.get(campaign=campaign).dues_remitted_on == dt.date(2026, 4, 20)


# --- recording a failure ---------------------------------------------------------------------
def test_a_supervisor_records_a_failure(client, world):
    campaign = _recognised(world)
    client.force_login(world.supervisor)
    url = reverse("campaigns:follow_up_fail", args=[campaign.pk])

    with clock.travel_to(LATER):
        form = client.get(reverse("campaigns:detail", args=[campaign.pk])).context["fail_form"]
        response = client.post(url, {"reason": FailureReason.ENTERPRISE_CLOSED, "on": "20/04/2026",
                                     "members_lost": "12", "note": "Doanh nghiệp giải thể"})

    assert form is not None
    assert (response.status_code, response["Location"]) == (302, reverse("campaigns:detail", args=[campaign.pk]))
    follow_up = FollowUp.objects.get(campaign=campaign)
    assert (follow_up.failed_on, follow_up.failure_reason, follow_up.members_lost, follow_up.failure_note) == (
        dt.date(2026, 4, 20), FailureReason.ENTERPRISE_CLOSED, 12, "Doanh nghiệp giải thể")
    assert list(MemberMovement.objects.values_list("unit_id", "kind", "members", "on")) == [
        (follow_up.unit_id, MovementKind.LOST, 12, dt.date(2026, 4, 20))]
    assert set(Task.objects.filter(campaign=campaign, stage=Stage.RECOGNISED).values_list("status", flat=True)) == {
        TaskStatus.CANCELLED}
    with clock.travel_to(LATER):
        page = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert (page.context["follow_up"].status, page.context["fail_form"]) == ("failed", None)


@pytest.mark.parametrize("data", [{"reason": "bogus", "on": "20/04/2026", "members_lost": "1"},
                                  {"reason": "other", "on": "20/04/2026", "members_lost": "1", "note": ""},
                                  {"reason": "dissolved", "on": "01/01/2026", "members_lost": "1"},
                                  {"reason": "dissolved", "on": "20/04/2026", "members_lost": "-1"}])
def test_a_refused_failure_answers_400_and_writes_nothing(client, world, data):
    campaign = _recognised(world)
    before = _written(campaign)
    client.force_login(world.supervisor)

    with clock.travel_to(LATER):
        response = client.post(reverse("campaigns:follow_up_fail", args=[campaign.pk]), data)

    assert response.status_code == 400
    assert response.context["fail_form"].errors
    assert _written(campaign) == before


@pytest.mark.parametrize("role", ["officer", "other_officer", "manager", "other_supervisor", "administrator"])
def test_only_supervisors_record_a_failure(client, world, role):
    campaign = _recognised(world)
    before = _written(campaign)
    client.force_login(world.user(role))

    with clock.travel_to(LATER):
        response = client.post(reverse("campaigns:follow_up_fail", args=[campaign.pk]),
                               {"reason": "dissolved", "on": "20/04/2026", "members_lost": "3"})

    assert response.status_code == 404
    assert _written(campaign) == before


# --- the list of follow-ups -----------------------------------------------------------------
def _three_follow_ups(world):
    """On ``LATER``: one on track (its overdue milestones done), one late, one failed."""
    on_track, late, failed = (_recognised(world, name) for name in ("Công ty An", "Công ty Bình", "Công ty Cường"))
    with clock.travel_to(LATER):
        for task in Task.objects.filter(campaign=on_track, stage=Stage.RECOGNISED, due_on__lt=LATER):
            services.task_complete(task_id=task.pk, actor=world.officer, note="Đã làm", done_on=task.due_on)
        services.follow_up_fail(campaign_id=failed.pk, actor=world.supervisor, reason=FailureReason.DISSOLVED,
                                on=LATER, members_lost=0)
    return on_track, late, failed


@pytest.mark.parametrize(("status", "expected"), [("", ["Công ty Cường", "Công ty Bình", "Công ty An"]),
                                                  ("on_track", ["Công ty An"]), ("late", ["Công ty Bình"]),
                                                  ("failed", ["Công ty Cường"]), ("standing", [])])
def test_the_list_filters_by_status(client, world, status, expected):
    on_track, _late, _failed = _three_follow_ups(world)
    client.force_login(world.supervisor)

    with clock.travel_to(LATER):
        response = client.get(reverse("campaigns:follow_ups"), {"status": status})

    rows = list(response.context["page"])
    assert response.status_code == 200
    assert [f.campaign.enterprise.name for f in rows] == expected
    if status == "on_track":
        done = Task.objects.filter(campaign=on_track, status=TaskStatus.DONE).count()
        assert (rows[0].milestones_done, rows[0].milestones_total) == (done, 7)
        assert rows[0].next_due == Task.objects.filter(
            campaign=on_track, status=TaskStatus.OPEN).order_by("due_on").first().due_on


def test_the_list_shows_only_visible_follow_ups(client, world):
    _three_follow_ups(world)

    seen = {}
    for role in ("officer", "other_officer", "manager", "other_supervisor"):
        client.force_login(world.user(role))
        with clock.travel_to(LATER):
            seen[role] = client.get(reverse("campaigns:follow_ups")).context["page"].paginator.count

    assert seen == {"officer": 3, "other_officer": 0, "manager": 3, "other_supervisor": 0}


def _list_queries(client, world):
    client.force_login(world.supervisor)
    with clock.travel_to(LATER), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("campaigns:follow_ups"))
    assert response.status_code == 200
    return len(queries), response.context["page"].paginator.count


def test_the_list_costs_the_same_queries_for_one_or_five(client, world):
    _recognised(world, "Công ty 0")
    one = _list_queries(client, world)
    for i in range(1, 5):
        _recognised(world, f"Công ty {i}")
    five = _list_queries(client, world)

    assert (one[1], five[1]) == (1, 5)
    assert one[0] == five[0]


def test_the_campaign_list_shows_the_status_of_recognised_campaigns(client, world):
    _three_follow_ups(world)
    campaign_at(world, Stage.SURVEYED,
                enterprise=EnterpriseFactory(responsible_unit=world.district, name="Công ty Dung"))
    client.force_login(world.supervisor)

    with clock.travel_to(LATER):
        response = client.get(reverse("campaigns:list"), {"sort": "name"})

    rows = response.context["rows"]
    assert [(row["campaign"].enterprise.name, row["campaign"].follow_up_status) for row in rows] == [
        ("Công ty An", "on_track"), ("Công ty Bình", "late"), ("Công ty Cường", "failed"), ("Công ty Dung", "")]
    assert reverse("campaigns:follow_ups") in response.content.decode()


def test_the_campaign_list_costs_the_same_queries_with_follow_ups(client, world):
    client.force_login(world.supervisor)
    _recognised(world, "Công ty 0")
    with clock.travel_to(LATER):
        client.get(reverse("campaigns:list"))  # the reference data read once, as a server process keeps it
    with clock.travel_to(LATER), CaptureQueriesContext(connection) as one:
        client.get(reverse("campaigns:list"))
    for i in range(1, 5):
        _recognised(world, f"Công ty {i}")
    with clock.travel_to(LATER), CaptureQueriesContext(connection) as five:
        response = client.get(reverse("campaigns:list"))

    assert len(response.context["rows"]) == 5
    assert len(one) == len(five)


# --- the unit page of the new grassroots union ------------------------------------------------------
def test_the_unit_page_shows_the_first_year_status(client, world):
    campaign = _recognised(world)
    client.force_login(world.administrator)

    with clock.travel_to(LATER):
        response = client.get(reverse("administration:unit", args=[campaign.recognised_unit_id]))

    shown = response.context["follow_up"]
    assert response.status_code == 200
    assert (shown.status, shown.follow_up.campaign_id) == ("late", campaign.pk)
    linked = reverse("campaigns:detail", args=[campaign.pk]) in response.content.decode()
    assert linked == shown.campaign_linked
