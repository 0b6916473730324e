"""The screens on a 375-pixel phone, the language switch, and the board's
drag and drop, in a real browser."""
import pytest
from playwright.sync_api import expect

from tests.conftest import build_world, campaign_at
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import EnterpriseFactory
from workflows.campaigns.flows import Stage

pytestmark = pytest.mark.django_db(transaction=True)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_main_pages_fit_a_phone_screen(phone, reference_data):
    world = build_world()
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    sign_in(phone, "supervisor")
    for name, url in [("phone-my-tasks", "/tasks/"), ("phone-campaigns", "/campaigns/"),
                      ("phone-detail", f"/campaigns/{campaign.pk}/"), ("phone-board", "/campaigns/board/"),
                      ("phone-enterprises", "/enterprises/"), ("phone-groups", "/organisation/groups/"),
                      ("phone-overview", "/overview/")]:
        phone.goto(url)
        screenshot(phone, name)
        assert page_width(phone) <= 375, name


def test_the_language_switch_turns_the_pages_to_english_and_back(page, reference_data):
    build_world()
    sign_in(page, "officer")
    page.goto("/tasks/")
    expect(page.locator("h1")).to_have_text("Công việc của tôi")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    expect(page.locator("h1")).to_have_text("My tasks")
    with page.expect_navigation():
        page.select_option("select[name=language]", "vi")
    expect(page.locator("h1")).to_have_text("Công việc của tôi")


def test_dropping_a_card_on_the_next_column_opens_its_transition_form(page, reference_data):
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(
        responsible_unit=world.district, name="Công ty TNHH Điện tử Kéo Thả"))
    sign_in(page, "officer")
    page.goto("/campaigns/board/")
    screenshot(page, "board")
    expect(page.locator("section[data-stage=surveyed] [data-count]")).to_have_text("1")
    page.locator(f"#card-{campaign.pk}").drag_to(page.locator("section[data-stage=employer_contacted]"))
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Đã gặp chủ doanh nghiệp")
    assert dialog.locator("input[name=held_on]").count() == 1
