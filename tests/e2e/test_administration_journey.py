"""A federation sets itself up in a real browser (issue 14): its new
administrator accepts the invitation, signs in enrolling the second factor
(required for administrators here, as under the production settings),
downloads the organisation template, imports an organisation of 10 units,
40 people and 6 working groups, invites an officer — who sets a password
from the e-mail link and sees the group's tasks — and deactivates another
officer, whose tasks land with the person chosen."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings
from playwright.sync_api import expect

from tests.administration.org_sheets import province_organisation, template_filled, workbook_rows
from tests.e2e.conftest import screenshot
from tests.e2e.two_factor import code_for_secret
from tests.factories import EnterpriseFactory
from workflows.accounts.invitations import invitation_send
from workflows.campaigns import services as campaign_services
from workflows.campaigns.models import Task, TaskStatus
from workflows.organisation.models import ChangeAction, ChangeRecord, Unit, UnitKind, WorkingGroup
from workflows.organisation.permissions import roles_held
from workflows.organisation.services import federation_found

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Cong-doan-Lang-Son-2026"
User = get_user_model()


def invitation_link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/invitation/\S+/)", message.body).group(1)


def set_password_from(page, link: str, password: str = PASSWORD) -> None:
    page.goto(link)
    page.wait_for_url(re.compile(r"/accounts/invitation/"))
    page.fill("input[name=new_password1]", password)
    page.fill("input[name=new_password2]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def sign_in_with_password(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" in url and "/code/" in url or "/accounts/login/" not in url)


@override_settings(TWO_FACTOR_REQUIRED_ROLES=["administrator", "supervisor"])
def test_a_new_provincial_administrator_sets_up_the_federation(browser, live_server, reference_data, tmp_path):
    # given a fresh installation: the federation's unit and its first administrator (manage.py setup_federation)
    administrator = federation_found(
        name="Liên đoàn Lao động tỉnh Lạng Sơn", code="ldld-lang-son", kind=UnitKind.objects.get(
            code="provincial_federation"), administrator_username="quantri.ls", administrator_name="Hoàng Thị Mai",
        administrator_email="quantri@ldld.langson.vn")
    invitation_send(user=administrator, invited_by=None, base_url=live_server.url)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)

    # when the administrator sets a password from the e-mail and signs in, the second factor is enrolled first
    set_password_from(page, invitation_link_in(mail.outbox[-1]))
    sign_in_with_password(page, "quantri.ls")
    page.wait_for_url(re.compile(r"/accounts/two-step/"))
    secret = page.locator("code[data-totp-secret]").inner_text()
    page.fill("input[name=code]", code_for_secret(secret))
    screenshot(page, "admin-enrol")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/two-step/recovery-codes/"))
    assert len(re.findall(r"\b[a-z0-9]{4}-[a-z0-9]{4}\b", page.locator("main").inner_text())) == 10
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)

    # and downloads the template from the import page, fills it in and uploads it
    page.goto("/administration/")
    page.locator("a[href='/administration/import/']").first.click()
    with page.expect_download() as download:
        page.locator("#import-template").click()
    template = download.value.path().read_bytes()
    assert list(workbook_rows(template))[:3] == ["Hướng dẫn", "Đơn vị", "Cán bộ"]
    units, people = province_organisation("ldld-lang-son")
    filled = tmp_path / "to-chuc-lang-son.xlsx"
    filled.write_bytes(template_filled(template, units, people))
    page.set_input_files("input[name=file]", str(filled))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/administration/import/\d+/$"))
    expect(page.locator("#import-confirm")).to_be_visible()
    screenshot(page, "admin-import-preview")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#import-confirm button[type=submit]").click()
    page.wait_for_url(re.compile(r"/administration/import/\d+/$"))
    expect(page.locator("#import-result")).to_be_visible()

    # then the organisation is in place: 10 units under the province, 6 working groups, 40 more people
    province = Unit.objects.get(code="ldld-lang-son")
    assert Unit.objects.filter(path__startswith=province.path).exclude(pk=province.pk).count() == 10
    assert WorkingGroup.objects.filter(unit__path__startswith=province.path).count() == 6
    assert User.objects.count() == 41
    assert ChangeRecord.objects.filter(action=ChangeAction.IMPORTED).count() == 1

    # given a campaign of the first working group of "kv-bac", its tasks in the group's queue, two of them claimed
    # by the officer who is about to leave
    group = WorkingGroup.objects.get(unit__code="kv-bac", name="Tổ công tác số 1")
    supervisor = User.objects.get(username=people[1][0])
    leader = User.objects.get(pk=group.leader_id)
    officers = [User.objects.get(username=row[0]) for row in people
                if row[6] == "Tổ công tác số 1" and row[7] == "cán bộ" and row[2] and row[0] != people[1][0]]
    newcomer, leaving = officers[0], officers[1]
    campaign = campaign_services.campaign_open(
        enterprise_id=EnterpriseFactory(responsible_unit=group.unit).pk, actor=supervisor, working_group_id=group.pk)
    tasks = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk"))
    assert len(tasks) >= 3
    for task in tasks[:2]:
        campaign_services.task_claim(task_id=task.pk, actor=leaving)

    # when the administrator invites the newcomer from their page
    page.goto(f"/administration/people/{newcomer.pk}/")
    page.locator(f"form[action='/administration/people/{newcomer.pk}/invite/'] button").click()
    expect(page.locator(".messages")).to_contain_text(newcomer.email)
    link = invitation_link_in(mail.outbox[-1])
    assert mail.outbox[-1].to == [newcomer.email]

    # then the officer sets a password from the link, signs in (no second factor for officers) and sees the
    # group's tasks
    officer_context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812},
                                          locale="vi-VN", is_mobile=True, has_touch=True)
    phone = officer_context.new_page()
    phone.set_default_timeout(20_000)
    set_password_from(phone, link, "Can-bo-moi-2026")
    sign_in_with_password(phone, newcomer.username, "Can-bo-moi-2026")
    phone.goto("/tasks/")
    queued = [task.title for task in tasks[2:]]
    for title in queued:
        expect(phone.locator("#my-tasks")).to_contain_text(title)
    screenshot(phone, "invited-officer-tasks")
    officer_context.close()

    # when the administrator deactivates the leaving officer, handing their tasks to the group's leader
    page.goto(f"/administration/people/{leaving.pk}/deactivate/")
    expect(page.locator("#open-tasks")).to_contain_text(tasks[0].title)
    page.select_option("select[name=receiver]", str(leader.pk))
    screenshot(page, "admin-deactivate")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(rf"/administration/people/{leaving.pk}/$"))

    # then the tasks are the leader's, the officer can no longer sign in and holds no role; the history says so
    assert sorted(Task.objects.filter(pk__in=[t.pk for t in tasks[:2]]).values_list("assignee_id", flat=True)) == [
        leader.pk, leader.pk]
    leaving.refresh_from_db()
    assert not leaving.is_active
    assert roles_held(leaving) == frozenset()
    assert ChangeRecord.objects.filter(action=ChangeAction.PERSON_DEACTIVATED, person=leaving,
                                       actor=administrator).count() == 1
    expect(page.locator("h1")).to_contain_text("đã khóa")
    context.close()
