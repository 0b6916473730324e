"""The three journeys of the web interface, in a real browser, each checked
on the screen and in the database."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import build_world, campaign_at
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import EnterpriseFactory
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, CampaignEvent, CommitteeMember, Task, TaskStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_officer_completes_a_task_and_advances_a_campaign(page, reference_data):
    world = build_world()
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    task = Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("due_on", "pk").first()

    sign_in(page, "officer")
    page.goto("/tasks/")
    expect(page.locator("h1")).to_have_text("Công việc của tôi")
    row = page.locator(f"#task-{task.pk}")
    expect(row).to_contain_text(task.title)
    screenshot(page, "my-tasks")
    row.get_by_role("button", name="Xong").click()
    expect(page.locator(f"#task-{task.pk}")).to_contain_text("✓")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    page.goto(f"/campaigns/{campaign.pk}/")
    screenshot(page, "campaign-detail")
    page.locator("#transitions a", has_text="Đã thành lập ban vận động").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    dialog.locator("textarea[name=members]").fill(
        "* Trần Thị Mai; tổ trưởng chuyền 3; 0912000111\nLê Văn Hùng; kho vận\nPhạm Thị Lan; chuyền 5")
    dialog.locator("input[name=formed_on]").fill("2026-11-02")  # the date picker takes ISO
    screenshot(page, "transition-form")
    dialog.get_by_role("button", name="Đã thành lập ban vận động").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(page.locator("#stage")).to_have_text("Ban vận động")
    expect(page.locator("#timeline li").first).to_contain_text("Đã tiếp cận chủ doanh nghiệp → Ban vận động")

    campaign.refresh_from_db()
    assert campaign.stage == Stage.MOBILISING_COMMITTEE
    assert campaign.committee_size == 3
    assert CommitteeMember.objects.filter(campaign=campaign, is_head=True).get().full_name == "Trần Thị Mai"
    assert CampaignEvent.objects.filter(campaign=campaign, kind="stage",
                                        to_stage=Stage.MOBILISING_COMMITTEE).count() == 1


def test_supervisor_moves_all_tasks_of_one_officer_to_another(page, reference_data):
    from workflows.campaigns import services

    world = build_world()
    from workflows.organisation.services import working_group_member_add
    working_group_member_add(group=world.group, user=world.other_officer, actor=world.admin)
    moved = []
    for _ in range(3):
        campaign = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
        for task in Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN)[:2]:
            services.task_claim(task_id=task.pk, actor=world.officer)
            moved.append(task.pk)

    sign_in(page, "supervisor")
    page.goto("/organisation/groups/")
    screenshot(page, "working-groups")
    page.goto(f"/organisation/officers/{world.officer.pk}/tasks/")
    page.select_option("select[name=to_user]", str(world.other_officer.pk))
    page.get_by_role("button", name=re.compile("Chuyển tất cả 6")).click()
    expect(page.locator("#confirm")).to_contain_text("6 công việc sẽ được chuyển cho")
    screenshot(page, "bulk-reassign-confirm")
    page.get_by_role("button", name="Xác nhận và chuyển").click()
    expect(page.locator(".messages")).to_be_visible()
    assert Task.objects.filter(pk__in=moved, assignee=world.other_officer).count() == 6
    assert Task.objects.filter(assignee=world.officer, status=TaskStatus.OPEN).count() == 0

    page.goto(f"/organisation/officers/{world.other_officer.pk}/tasks/")
    expect(page.locator("#officer-tasks tbody tr")).to_have_count(6)


def test_manager_sees_the_pipeline_counts_of_the_database(page, reference_data):
    world = build_world()
    stages = [Stage.SURVEYED, Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE,
              Stage.FOUNDING_CONGRESS, Stage.RECOGNISED, Stage.ON_HOLD, Stage.ABANDONED]
    for stage in stages:
        campaign_at(world, stage, enterprise=EnterpriseFactory(responsible_unit=world.district))

    sign_in(page, "manager")
    page.goto("/overview/")
    screenshot(page, "overview")
    for stage in set(stages):
        on_screen = page.locator(f"#pipeline-chart .bar-value[data-stage={stage}]").inner_text()
        assert int(on_screen.replace(".", "")) == Campaign.objects.filter(stage=stage).count()
    expect(page.locator("#pipeline-table tbody tr")).to_have_count(2)  # the two area federations
