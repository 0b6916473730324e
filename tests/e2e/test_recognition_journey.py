"""The recognition dossier in a real browser: the committee's officer
uploads the last document and submits, a verifier of the recognising unit
takes the step from My tasks and finds the dossier complete, the supervisor
records the decision — and the campaign is recognised; the diagram marks
each step."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import build_world, campaign_at
from tests.e2e.conftest import screenshot, sign_in
from tests.recognition.dossiers import fill
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind
from workflows.recognition.models import Dossier, DossierStatus

pytestmark = pytest.mark.django_db(transaction=True)


def as_user(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, username)
    return context, page


def test_a_dossier_goes_from_submission_to_recognition(browser, live_server, reference_data, tmp_path):
    world = build_world()
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer, kinds=[k for k in DocumentKind.values if k != DocumentKind.WORKFORCE_REPORT])
    scan = tmp_path / "bao-cao-lao-dong.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")

    # the committee's officer adds the workforce report and submits
    context, page = as_user(browser, live_server, "officer")
    page.goto(f"/campaigns/{campaign.pk}/")
    page.locator("#dossier-link").click()
    expect(page.locator("#doc-workforce_report")).to_have_class("missing")
    expect(page.locator("#submit button[type=submit]")).to_be_disabled()
    page.locator("#doc-workforce_report input[type=file]").set_input_files(str(scan))
    page.locator("#doc-workforce_report button[type=submit]").click()
    expect(page.locator("#doc-workforce_report")).to_have_class("present")
    screenshot(page, "dossier-checklist")
    page.locator("#submit button[type=submit]").click()
    expect(page.locator("#dossier-status")).to_have_text("Chờ thẩm định")
    context.close()

    # a verifier of the unit takes it from My tasks and finds it complete
    context, page = as_user(browser, live_server, "other_officer")
    page.goto("/tasks/")
    row = page.locator("#review-inbox tr[id^=review-]")
    expect(row).to_contain_text("Thẩm định hồ sơ")
    screenshot(page, "my-tasks-with-review")
    row.get_by_role("button", name="Nhận").click()
    expect(row).to_contain_text(world.other_officer.get_full_name())
    row.get_by_role("link", name="Mở").click()
    page.locator("#verify-form input[value=yes]").check()
    page.locator("#verify-form button[type=submit]").click()
    expect(page.locator("#dossier-status")).to_have_text("Chờ quyết định")
    context.close()

    # the supervisor decides; the diagram shows the way it went
    context, page = as_user(browser, live_server, "supervisor")
    page.goto(f"/campaigns/{campaign.pk}/dossier/")
    page.locator("#decide-form input[value=yes]").check()
    page.locator("#decide-form input[name=decision_number]").fill("31/QĐ-LĐLĐ")
    page.locator("#decide-form input[name=decision_date]").fill(campaign.congress_on.isoformat())  # the picker: ISO
    screenshot(page, "dossier-decision")
    page.locator("#decide-form button[type=submit]").click()
    expect(page.locator("#dossier-status")).to_have_text("Đã công nhận")
    page.goto(f"/campaigns/{campaign.pk}/dossier/diagram/")
    expect(page.locator("#node-end")).to_have_class(re.compile(r"\bdone\b"))
    screenshot(page, "dossier-diagram")
    page.goto(f"/campaigns/{campaign.pk}/")
    expect(page.locator("#stage")).to_have_text("Đã công nhận")
    context.close()

    campaign.refresh_from_db()
    assert (campaign.stage, campaign.decision_number) == (Stage.RECOGNISED, "31/QĐ-LĐLĐ")
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.RECOGNISED
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.STAGE, to_stage=Stage.RECOGNISED).count() == 1
    assert Campaign.objects.filter(stage=Stage.RECOGNISED).count() == 1


def test_the_dossier_pages_fit_a_phone_screen(phone, reference_data):
    from tests.recognition.dossiers import submitted

    world = build_world()
    campaign = submitted(world)
    sign_in(phone, "other_officer")
    for name, url in [("phone-dossier", f"/campaigns/{campaign.pk}/dossier/"),
                      ("phone-diagram", f"/campaigns/{campaign.pk}/dossier/diagram/"),
                      ("phone-my-tasks-review", "/tasks/")]:
        phone.goto(url)
        screenshot(phone, name)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, name
