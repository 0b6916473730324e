"""The pages of the workers of a case (issue 16): who may open them, the
audit of every view of personal data, their query counts, consent
withdrawal, a stale edit, the write-only citizen ID, the wall chart that
managers may read (counts only) and the campaign page's panel."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import ROLES, campaign_at
from workflows.audit.models import AuditEntry, AuditKind
from workflows.campaigns import register
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.people.models import Assessment, Conversation, Issue, Worker, WorkerChange
from workflows.people.services import WorkerData

ALLOWED = {"officer", "supervisor"}


def _case(world):
    return campaign_at(world, Stage.SURVEYED)


def _worker(world, campaign, name="Nguyễn Thị Hoa", **fields):
    return register.worker_add(campaign_id=campaign.pk, actor=world.officer, data=WorkerData(full_name=name, **fields))


def _workers(world, campaign, n, *, department="May 1"):
    return [_worker(world, campaign, f"Công nhân {i:03d}", department=department, phone=f"09{i:08d}")
            for i in range(n)]


def _viewed():
    return list(AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_VIEW).order_by("pk")
                .values_list("workers", flat=True))


def _written(worker):
    worker.refresh_from_db()
    return (Worker.objects.count(), Assessment.objects.count(), Conversation.objects.count(),
            WorkerChange.objects.count(), worker.version, worker.full_name, worker.is_leader)


# --- who may open what ------------------------------------------------------------------
GET_PAGES = ["workers", "worker", "worker_add", "worker_edit", "worker_leader", "conversations", "conversation_add",
             "field", "worker_quick", "wall_chart"]


def _url(name, campaign, worker):
    takes_worker = name in {"worker", "worker_edit", "worker_leader", "worker_quick", "worker_consent",
                            "worker_withdraw", "worker_assess", "worker_quick_conversation"}
    return reverse(f"campaigns:{name}", args=[campaign.pk, worker.pk] if takes_worker else [campaign.pk])


@pytest.mark.parametrize("name", GET_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_only_who_works_the_case_opens_the_pages_and_managers_the_wall_chart(client, world, role, name):
    campaign = _case(world)
    worker = _worker(world, campaign)
    if role != "anonymous":
        client.force_login(world.user(role))

    response = client.get(_url(name, campaign, worker))

    expected = 302 if role == "anonymous" else 200 if role in ALLOWED or (
        role == "manager" and name == "wall_chart") else 404
    assert response.status_code == expected


POSTS = {
    "worker_add": {"full_name": "Lê Văn Nam", "employment_status": "employed"},
    "worker_edit": {"full_name": "Lê Văn Nam", "employment_status": "employed", "version": "1"},
    "worker_consent": {"on": "01/01/2025", "method": "written"},
    "worker_withdraw": {"on": "01/01/2025", "confirm": "on"},
    "worker_assess": {"level": "1"},
    "worker_leader": {"is_leader": "on"},
    "conversation_add": {"held_on": "01/01/2025", "workers": "WORKER", "outcome": "supportive"},
    "worker_quick_conversation": {"outcome": "supportive"},
}


@pytest.mark.parametrize("name", sorted(POSTS))
@pytest.mark.parametrize("role", ROLES)
def test_a_refused_post_writes_nothing(client, world, role, name):
    campaign = _case(world)
    worker = _worker(world, campaign)
    if name == "worker_edit":
        POSTS[name]["version"] = str(worker.version)
    data = {k: (str(worker.pk) if v == "WORKER" else v) for k, v in POSTS[name].items()}
    before = _written(worker)
    if role != "anonymous":
        client.force_login(world.user(role))

    response = client.post(_url(name, campaign, worker), data)

    if role in ALLOWED:
        assert response.status_code == 302
        assert _written(worker) != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert _written(worker) == before


# --- audit ----------------------------------------------------------------------------------
def test_the_workers_list_audits_the_workers_it_shows(client, world):
    campaign = _case(world)
    hoa, lan = _worker(world, campaign, "Nguyễn Thị Hoa"), _worker(world, campaign, "Trần Thị Lan")
    client.force_login(world.officer)

    response = client.get(reverse("campaigns:workers", args=[campaign.pk]), {"q": "Lan"})

    assert response.status_code == 200
    assert "Trần Thị Lan" in response.content.decode()
    assert "Nguyễn Thị Hoa" not in response.content.decode()
    assert _viewed() == [[lan.pk]]
    assert hoa.pk not in _viewed()[0]


def test_the_workers_list_filters_by_level_including_not_assessed(client, world):
    campaign = _case(world)
    hoa, lan = _worker(world, campaign, "Nguyễn Thị Hoa"), _worker(world, campaign, "Trần Thị Lan")
    register.assessment_add(campaign_id=campaign.pk, worker_id=hoa.pk, actor=world.officer, level=2)
    client.force_login(world.officer)

    assessed = client.get(reverse("campaigns:workers", args=[campaign.pk]), {"level": "2"})
    not_assessed = client.get(reverse("campaigns:workers", args=[campaign.pk]), {"level": "none"})

    assert [row.worker.pk for row in assessed.context["rows"]] == [hoa.pk]
    assert [row.worker.pk for row in not_assessed.context["rows"]] == [lan.pk]


def test_the_worker_page_audits_the_worker_and_their_followers(client, world):
    campaign = _case(world)
    leader, follower, other = (_worker(world, campaign, name) for name in ("Hoa", "Lan", "Minh"))
    register.leader_set(campaign_id=campaign.pk, worker_id=leader.pk, actor=world.officer, is_leader=True,
                        follower_ids=[follower.pk])
    client.force_login(world.supervisor)

    response = client.get(reverse("campaigns:worker", args=[campaign.pk, leader.pk]))

    assert response.status_code == 200
    assert [f.pk for f in response.context["followers"]] == [follower.pk]
    assert _viewed() == [sorted([leader.pk, follower.pk])]
    assert other.pk not in _viewed()[0]


def test_a_follower_page_audits_the_follower_and_the_leader_it_names(client, world):
    campaign = _case(world)
    leader, follower = _worker(world, campaign, "Hoa"), _worker(world, campaign, "Lan")
    register.leader_set(campaign_id=campaign.pk, worker_id=leader.pk, actor=world.officer, is_leader=True,
                        follower_ids=[follower.pk])
    client.force_login(world.officer)

    response = client.get(reverse("campaigns:worker", args=[campaign.pk, follower.pk]))

    assert response.context["leader"].pk == leader.pk
    assert _viewed() == [sorted([follower.pk, leader.pk])]


def test_the_worker_page_shows_only_the_last_four_digits_of_the_citizen_id(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign, citizen_id="001203001234")
    client.force_login(world.officer)

    page = client.get(reverse("campaigns:worker", args=[campaign.pk, worker.pk])).content.decode()

    assert "•••• •••• 1234" in page
    assert "001203001234" not in page


def test_a_denied_page_writes_no_personal_data_view(client, world):
    campaign = _case(world)
    _worker(world, campaign)
    client.force_login(world.manager)

    response = client.get(reverse("campaigns:workers", args=[campaign.pk]))

    assert response.status_code == 404
    assert _viewed() == []


# --- query counts -------------------------------------------------------------------------
def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["workers", "field", "conversations"])
def test_the_lists_cost_the_same_queries_for_few_and_many_workers(client, world, name, django_assert_max_num_queries):
    campaign = _case(world)
    few = _workers(world, campaign, 2)
    register.conversation_add(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                              worker_ids=[few[0].pk], outcome="supportive")
    client.force_login(world.officer)
    url = reverse(f"campaigns:{name}", args=[campaign.pk])
    with_few = _queries(client, url)
    many = _workers(world, campaign, 30, department="Cắt")
    for worker in many[:10]:
        register.conversation_add(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                  worker_ids=[worker.pk, few[1].pk], outcome="interested")

    with django_assert_max_num_queries(with_few):
        client.get(url)

    assert with_few <= 12


def test_the_wall_chart_costs_at_most_ten_queries_whatever_the_size(client, world, django_assert_max_num_queries):
    campaign = _case(world)
    for i, worker in enumerate(_workers(world, campaign, 40, department="May")):
        register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=i % 5 + 1)
    _workers(world, campaign, 5, department="Cắt")
    client.force_login(world.manager)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("campaigns:wall_chart", args=[campaign.pk]))

    assert response.status_code == 200


# --- the wall chart -------------------------------------------------------------------------
def test_a_manager_reads_the_wall_chart_without_a_name(client, world):
    campaign = _case(world)
    hoa = _worker(world, campaign, "Nguyễn Thị Hoa", department="May 1")
    _worker(world, campaign, "Trần Thị Lan", department="May 1")
    register.assessment_add(campaign_id=campaign.pk, worker_id=hoa.pk, actor=world.officer, level=1)
    register.leader_set(campaign_id=campaign.pk, worker_id=hoa.pk, actor=world.officer, is_leader=True)
    client.force_login(world.manager)

    response = client.get(reverse("campaigns:wall_chart", args=[campaign.pk]))

    page = response.content.decode()
    chart = response.context["chart"]
    assert response.status_code == 200
    assert "Hoa" not in page and "Lan" not in page
    assert [(row.department, row.counts, row.leaders) for row in chart.rows] == [("May 1", (1, 0, 0, 0, 0, 1), 1)]
    assert reverse("campaigns:workers", args=[campaign.pk]) not in page
    assert 'style="' not in page
    assert [css for css, _label in response.context["legend"]] == ["level-1", "level-2", "level-3", "level-4",
                                                                   "level-5", "level-none"]
    assert [(s.css, s.width) for s in response.context["bars"][0].segments] == [("level-1", 50.0),
                                                                              ("level-none", 50.0)]
    assert _viewed() == []


# --- consent, edit, citizen ID -----------------------------------------------------------------
def test_withdrawing_consent_through_the_page_anonymises_and_keeps_the_level(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign, "Nguyễn Thị Hoa", department="May 1", phone="0912345678")
    register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=2)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:worker_withdraw", args=[campaign.pk, worker.pk]),
                           {"on": clock.today().strftime("%d/%m/%Y"), "confirm": "on"})

    worker.refresh_from_db()
    assert response.status_code == 302
    assert (worker.full_name, worker.phone, worker.support_level, worker.department) == ("", "", 2, "May 1")
    assert worker.anonymised_at is not None
    page = client.get(reverse("campaigns:worker", args=[campaign.pk, worker.pk])).content.decode()
    assert "Nguyễn Thị Hoa" not in page


def test_withdrawal_needs_the_confirmation(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:worker_withdraw", args=[campaign.pk, worker.pk]),
                           {"on": clock.today().strftime("%d/%m/%Y")})

    worker.refresh_from_db()
    assert response.status_code == 400
    assert response.context["withdraw_form"].errors.keys() == {"confirm"}
    assert (worker.full_name, worker.anonymised_at) == ("Nguyễn Thị Hoa", None)


def test_a_stale_edit_is_refused_with_a_conflict_and_changes_nothing(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign)
    stale = worker.version
    register.worker_edit(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, changes={"job": "May"},
                         expected_version=stale)
    before = _written(worker)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:worker_edit", args=[campaign.pk, worker.pk]), {
        "full_name": "Tên khác", "employment_status": "employed", "version": str(stale)})

    assert response.status_code == 409
    assert 'id="conflict"' in response.content.decode()
    assert _written(worker) == before


def test_the_citizen_id_is_never_filled_in_blank_keeps_it_and_the_box_removes_it(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign, citizen_id="001203001234")
    url = reverse("campaigns:worker_edit", args=[campaign.pk, worker.pk])
    client.force_login(world.officer)

    form_page = client.get(url)
    kept = client.post(url, {"full_name": "Nguyễn Thị Hoa", "job": "May", "employment_status": "employed",
                             "version": str(worker.version)})
    worker.refresh_from_db()
    hash_kept = (worker.id_hash != "", worker.id_last4)
    removed = client.post(url, {"full_name": "Nguyễn Thị Hoa", "job": "May", "employment_status": "employed",
                                "version": str(worker.version), "remove_citizen_id": "on"})
    worker.refresh_from_db()

    assert form_page.status_code == 200
    assert "001203001234" not in form_page.content.decode()
    assert form_page.context["form"]["citizen_id"].value() in (None, "")
    assert (kept.status_code, hash_kept) == (302, (True, "1234"))
    assert (removed.status_code, worker.id_hash, worker.id_last4) == (302, "", "")


def test_adding_a_worker_with_consent(client, world):
    campaign = _case(world)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:worker_add", args=[campaign.pk]), {
        "full_name": "Lê Văn Nam", "department": "Cắt", "employment_status": "employed",
        "citizen_id": "001203005678", "consent_on": clock.today().strftime("%d/%m/%Y"),
        "consent_method": "verbal"})

    worker = Worker.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("campaigns:worker", args=[campaign.pk, worker.pk])
    assert (worker.full_name, worker.id_last4, worker.consent_method, worker.enterprise_id) == (
        "Lê Văn Nam", "5678", "verbal", campaign.enterprise_id)


def test_a_bad_citizen_id_goes_back_on_the_form(client, world):
    campaign = _case(world)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:worker_add", args=[campaign.pk]), {
        "full_name": "Lê Văn Nam", "employment_status": "employed", "citizen_id": "12"})

    assert response.status_code == 400
    assert "citizen_id" in response.context["form"].errors
    assert Worker.objects.count() == 0


def test_recording_consent_through_the_page(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign)
    client.force_login(world.officer)
    before = client.get(reverse("campaigns:worker", args=[campaign.pk, worker.pk]))

    response = client.post(reverse("campaigns:worker_consent", args=[campaign.pk, worker.pk]),
                           {"on": clock.today().strftime("%d/%m/%Y"), "method": "written"})

    worker.refresh_from_db()
    after = client.get(reverse("campaigns:worker", args=[campaign.pk, worker.pk]))
    assert response.status_code == 302
    assert (worker.consent_on, worker.consent_method) == (clock.today(), "written")
    assert (before.context["consented"], after.context["consented"]) == (False, True)
    assert 'id="consent-form"' in before.content.decode()
    assert 'id="consent-form"' not in after.content.decode()


def test_consent_dated_in_the_future_goes_back_on_the_form(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:worker_consent", args=[campaign.pk, worker.pk]),
                           {"on": "01/01/2099", "method": "written"})

    worker.refresh_from_db()
    assert response.status_code == 400
    assert response.context["consent_form"].errors
    assert worker.consent_on is None


# --- leader, conversations -------------------------------------------------------------------
def test_the_leader_page_lists_the_same_department_first_and_links_followers(client, world):
    campaign = _case(world)
    leader = _worker(world, campaign, "Hoa", department="May 2")
    other = _worker(world, campaign, "An", department="Cắt")
    same = _worker(world, campaign, "Lan", department="May 2")
    url = reverse("campaigns:worker_leader", args=[campaign.pk, leader.pk])
    client.force_login(world.officer)

    page = client.get(url)
    saved = client.post(url, {"is_leader": "on", "followers": [str(same.pk), str(other.pk)]})

    assert [w.pk for w in page.context["choices"].workers] == [same.pk, other.pk]
    assert _viewed()[0] == sorted([leader.pk, same.pk, other.pk])
    assert saved.status_code == 302
    assert sorted(Worker.objects.filter(led_by=leader).values_list("pk", flat=True)) == sorted([same.pk, other.pk])


def test_a_conversation_with_a_preselected_worker_issues_and_a_task(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign)
    issue = Issue.objects.filter(is_active=True).first()
    url = reverse("campaigns:conversation_add", args=[campaign.pk])
    client.force_login(world.officer)
    day = clock.today().strftime("%d/%m/%Y")

    form_page = client.get(url, {"worker": worker.pk})
    response = client.post(url, {"held_on": day, "workers": [str(worker.pk)], "issues": [str(issue.pk)],
                                 "outcome": "interested", "next_step": "Gặp lại sau ca", "next_step_on": day,
                                 "create_task": "on"})

    conversation = Conversation.objects.get()
    task = campaign.tasks.get(conversation=conversation)
    assert worker.pk in form_page.context["choices"].chosen
    assert response.status_code == 302
    assert list(conversation.workers.values_list("pk", flat=True)) == [worker.pk]
    assert list(conversation.issues.values_list("pk", flat=True)) == [issue.pk]
    assert (task.title, task.assignee_id) == ("Gặp lại sau ca", world.officer.pk)


def test_a_task_needs_the_next_step_and_goes_back_on_the_form(client, world):
    campaign = _case(world)
    worker = _worker(world, campaign)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:conversation_add", args=[campaign.pk]), {
        "held_on": clock.today().strftime("%d/%m/%Y"), "workers": [str(worker.pk)], "outcome": "undecided",
        "create_task": "on"})

    assert response.status_code == 400
    assert "next_step_on" in response.context["form"].errors
    assert Conversation.objects.count() == 0


def test_the_conversations_list_audits_the_workers_of_its_conversations(client, world):
    campaign = _case(world)
    hoa, lan, minh = (_worker(world, campaign, name) for name in ("Hoa", "Lan", "Minh"))
    register.conversation_add(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                              worker_ids=[hoa.pk, lan.pk], outcome="supportive")
    client.force_login(world.officer)

    response = client.get(reverse("campaigns:conversations", args=[campaign.pk]))

    assert response.status_code == 200
    assert _viewed() == [sorted([hoa.pk, lan.pk])]
    assert minh.pk not in _viewed()[0]


# --- the campaign page's panel -----------------------------------------------------------------
def test_the_panel_shows_the_support_share_and_the_links_by_role(client, world):
    campaign = _case(world)
    for i, worker in enumerate(_workers(world, campaign, 4)):
        register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                                level=1 if i < 2 else 4)
    url = reverse("campaigns:detail", args=[campaign.pk])

    client.force_login(world.officer)
    officer = client.get(url)
    client.force_login(world.manager)
    manager = client.get(url)

    panel = officer.context["people_panel"]
    assert (panel.share.supportive, panel.share.entered, panel.sees_names) == (2, 4, True)
    assert reverse("campaigns:workers", args=[campaign.pk]) in officer.content.decode()
    assert reverse("campaigns:field", args=[campaign.pk]) in officer.content.decode()
    assert manager.context["people_panel"].sees_names is False
    assert reverse("campaigns:wall_chart", args=[campaign.pk]) in manager.content.decode()
    assert reverse("campaigns:workers", args=[campaign.pk]) not in manager.content.decode()
    assert "Công nhân" not in manager.content.decode()


def test_the_panel_costs_one_query(world, django_assert_num_queries):
    from workflows.campaigns.people_pages import people_panel
    from workflows.organisation.permissions import scope_of

    campaign = _case(world)
    _workers(world, campaign, 5)
    campaign = type(campaign).objects.select_related("responsible_unit").get(pk=campaign.pk)
    scope = scope_of(world.officer)

    with django_assert_num_queries(1):
        panel = people_panel(world.officer, campaign, scope=scope)

    assert panel.share.entered == 5
