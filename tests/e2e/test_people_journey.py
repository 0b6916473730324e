"""From survey to member list in a real browser: the supervisor plans a
survey round, the officer records the visit on a phone, the supervisor opens
the campaign from it; the officer imports the employees' list, records
assessments and a conversation on a 375-px screen in three taps from My
tasks, chooses the committee, collects the applications and holds the
congress; the dossier's member list is generated from the register and
attached."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import build_world
from tests.e2e.conftest import screenshot, sign_in
from workflows.campaigns import services
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import Application, Campaign, Register
from workflows.core import clock
from workflows.people.models import Assessment, Conversation, SurveyVisit, Worker
from workflows.recognition.models import DossierDocument

pytestmark = pytest.mark.django_db(transaction=True)

EMPLOYEES = ("Họ và tên,Giới tính,Năm sinh,Số CCCD,Bộ phận,Chuyền,Ca,Công việc,Điện thoại\n"
             + "".join(f"{name},{gender},{1990 + i},02709{i:07d},{dept},Chuyền {i % 3 + 1},Ca 1,"
                       f"Công nhân may,09120000{i:02d}\n"
                       for i, (name, gender, dept) in enumerate((
                           ("Nguyễn Thị Hoa", "Nữ", "Xưởng may"), ("Trần Văn Bình", "Nam", "Xưởng cắt"),
                           ("Lê Thị Lan", "Nữ", "Xưởng may"), ("Phạm Văn Cường", "Nam", "Kho"),
                           ("Vũ Thị Mai", "Nữ", "Xưởng may"), ("Đỗ Thị Hằng", "Nữ", "Xưởng cắt"),
                           ("Hoàng Văn Nam", "Nam", "Xưởng may"), ("Ngô Thị Yến", "Nữ", "Kho")))))


def as_user(browser, live_server, username, *, phone=False):
    size = {"width": 375, "height": 812} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=live_server.url, viewport=size, locale="vi-VN",
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, username)
    return context, page


def test_from_a_survey_visit_to_the_member_list_of_the_dossier(browser, live_server, reference_data, tmp_path):
    world = build_world()
    enterprise = world.enterprise
    today = clock.today()

    # the supervisor plans a survey round of the district with the enterprise on its list
    context, page = as_user(browser, live_server, "supervisor")
    page.goto("/surveys/rounds/add/")
    page.fill("#round-form input[name=name]", "Khảo sát Tháng Công nhân")
    page.fill("#round-form input[name=starts_on]", (today - dt.timedelta(days=3)).isoformat())
    page.fill("#round-form input[name=ends_on]", (today + dt.timedelta(days=20)).isoformat())
    page.locator(f"#round-enterprises-choice input[value='{enterprise.pk}']").check()
    page.locator(f"#round-teams-choice input[value='{world.group.pk}']").check()
    page.locator("#round-form button[type=submit]").click()
    expect(page.locator("#round-enterprises")).to_contain_text(enterprise.name)
    round_url = page.url
    context.close()

    # the officer records the visit on a phone
    context, phone = as_user(browser, live_server, "officer", phone=True)
    phone.goto(round_url)
    phone.locator("#round-enterprises").get_by_role("button", name="Ghi lần khảo sát").click()
    phone.fill("#visit-form input[name=workforce]", "420")
    phone.fill("#visit-form input[name=women]", "300")
    phone.fill("#visit-form input[name=migrants]", "180")
    phone.locator("#visit-form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/surveys/visits/\d+/$"))
    screenshot(phone, "survey-visit-phone")
    visit = SurveyVisit.objects.get(enterprise=enterprise)
    assert (visit.workforce, visit.women, visit.migrants, visit.officer_id) == (420, 300, 180, world.officer.pk)
    context.close()

    # the supervisor opens the campaign from the visit: by name, with the surveyed workforce
    context, page = as_user(browser, live_server, "supervisor")
    page.goto(f"/surveys/visits/{visit.pk}/")
    page.get_by_role("button", name="Mở cuộc vận động").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+/$"))
    campaign = Campaign.objects.get(enterprise=enterprise)
    assert (campaign.stage, campaign.register, campaign.workforce) == (Stage.SURVEYED, Register.NAMES, 420)
    context.close()

    # the officer imports the employees' list, checks the preview and confirms
    employees = tmp_path / "danh-sach-lao-dong.csv"
    employees.write_text(EMPLOYEES, encoding="utf-8")
    context, page = as_user(browser, live_server, "officer")
    page.goto(f"/campaigns/{campaign.pk}/workers/import/")
    page.locator("#worker-import-form input[type=file]").set_input_files(str(employees))
    page.locator("#worker-import-form button[type=submit]").click()
    expect(page.locator("#worker-import-confirm")).to_be_visible()
    screenshot(page, "worker-import-preview")
    page.locator("#worker-import-confirm button[type=submit]").click()
    expect(page.locator("#worker-import-result")).to_be_visible()
    assert Worker.objects.filter(enterprise=enterprise).count() == 8
    context.close()

    # on a phone: an assessment takes three taps from My tasks — Record, the worker, the level
    context, phone = as_user(browser, live_server, "officer", phone=True)
    supporters = ["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Lan", "Phạm Văn Cường", "Vũ Thị Mai", "Đỗ Thị Hằng"]
    for name in supporters:
        phone.goto("/tasks/")
        phone.get_by_role("button", name="Ghi nhận", exact=True).first.click()  # tap 1
        phone.locator("#field-workers").get_by_text(name).click()  # tap 2
        phone.locator("#quick-level button.level-1").click()  # tap 3
        phone.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/field/"))
    screenshot(phone, "quick-record-phone")
    # and a conversation: Record, the worker, the outcome
    phone.goto("/tasks/")
    phone.get_by_role("button", name="Ghi nhận", exact=True).first.click()
    phone.locator("#field-workers").get_by_text("Hoàng Văn Nam").click()
    phone.locator("#quick-conversation button.outcome-interested").click()
    context.close()
    assert Assessment.objects.filter(worker__enterprise=enterprise, level=1).count() == 6
    assert list(Conversation.objects.filter(enterprise=enterprise).values_list("outcome", flat=True)) == [
        "interested"]
    campaign.refresh_from_db()
    assert campaign.core_group == 6

    # the employer is met (an ordinary step); the officer chooses the committee from the workers
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=today,
                                     outcome="supportive")
    services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)
    committee = Worker.objects.filter(enterprise=enterprise, full_name__in=supporters[:3]).order_by("full_name")
    context, page = as_user(browser, live_server, "officer")
    page.goto(f"/campaigns/{campaign.pk}/committee/choose/")
    for worker in committee:
        page.locator(f"#committee-form input[name=workers][value='{worker.pk}']").check()
    page.locator(f"#committee-form input[name=head][value='{committee[0].pk}']").check()
    page.locator("#committee-form button[type=submit]").click()
    page.goto(f"/campaigns/{campaign.pk}/move/form_committee/")
    page.locator("#transition-form button[type=submit]").click()
    expect(page.locator("#stage")).to_have_text("Ban vận động")

    # the applications, one by one
    for worker in Worker.objects.filter(enterprise=enterprise, full_name__in=supporters).order_by("pk"):
        page.goto(f"/campaigns/{campaign.pk}/applications/")
        page.locator("#application-add summary").click()
        page.locator("#application-form select[name=worker]").select_option(str(worker.pk))
        page.fill("#application-form input[name=applied_on]", today.isoformat())
        page.locator("#application-form button[type=submit]").click()
        expect(page.locator("#standing")).to_contain_text(worker.full_name)
    screenshot(page, "applications")

    # the congress: the form shows the register's count, fixed; the congress admits the six
    page.goto(f"/campaigns/{campaign.pk}/move/hold_congress/")
    expect(page.locator("#transition-form input[name=applications]")).to_be_disabled()
    expect(page.locator("#transition-form input[name=applications]")).to_have_value("6")
    page.fill("#transition-form input[name=congress_on]", today.isoformat())
    page.locator("#transition-form button[type=submit]").click()
    expect(page.locator("#stage")).to_have_text("Đại hội thành lập")
    campaign.refresh_from_db()
    assert (campaign.applications, campaign.admitted_members) == (6, 6)
    assert Application.objects.filter(campaign=campaign, admitted_on=today).count() == 6

    # the dossier's member list is generated from the register and attached
    page.goto(f"/campaigns/{campaign.pk}/dossier/")
    page.locator("#member-list-form input[value=docx]").check()
    page.locator("#member-list-form button[type=submit]").click()
    expect(page.locator(f"#doc-{DocumentKind.MEMBER_LIST}")).to_have_class("present")
    screenshot(page, "dossier-member-list")
    context.close()
    document = DossierDocument.objects.get(dossier__campaign=campaign, kind=DocumentKind.MEMBER_LIST,
                                           superseded_at__isnull=True)
    assert document.file_name.endswith(".docx")
