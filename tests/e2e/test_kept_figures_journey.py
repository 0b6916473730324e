"""Figures too long for a page, in a real browser: a manager asks for the
country's past day, the page shows the count under way and asks for its
status every two seconds, and shows the figures once the job has counted
them (``workflows.statistics.kept_figures``). And figures a little old,
shown at once while counted again after the page is sent, replaced by
themselves (``workflows.statistics.overview_cache``)."""
import datetime as dt

import pytest
from django.core.cache import caches
from playwright.sync_api import expect

from tests.conftest import build_world, campaign_at
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import EnterpriseFactory
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.statistics import kept_figures, overview_cache
from workflows.statistics.models import KeptFigures, KeptFiguresStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_past_day_too_long_for_a_page_is_asked_for_counted_and_shown(page, reference_data, settings):
    world = build_world()
    campaign_at(world, Stage.RECOGNISED)
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 0  # the province's one campaign is too many for a page
    yesterday = clock.today() - dt.timedelta(days=1)
    url = f"/overview/?unit={world.province.pk}&as_of={yesterday:%d/%m/%Y}"
    sign_in(page, "manager")

    # the button asks for them (the test settings run the job as the request commits)
    page.goto(url)
    expect(page.locator("#as-of-as-file")).to_be_visible()
    page.get_by_role("button", name=f"Tính số liệu tại ngày {yesterday:%d/%m/%Y}").click()
    expect(page.locator("#kept-counted")).to_contain_text(f"Số liệu tại ngày {yesterday:%d/%m/%Y}")
    expect(page.locator("#period-title")).to_be_visible()
    assert page.locator("#as-of-as-file").count() == 0
    screenshot(page, "overview-past-day-kept")
    row = KeptFigures.objects.get()
    assert (row.status, row.asked_by_id) == (KeptFiguresStatus.READY, world.manager.pk)

    # asked again, the count under way: the page says so, then shows them by itself once they are counted
    KeptFigures.objects.filter(pk=row.pk).update(status=KeptFiguresStatus.QUEUED, figures="", asked_at=clock.now())
    page.goto(url)
    expect(page.locator("#kept-counting")).to_be_visible()
    screenshot(page, "overview-past-day-counting")
    assert kept_figures.count(row.pk).status == KeptFiguresStatus.READY
    expect(page.locator("#kept-counted")).to_be_visible(timeout=10_000)
    assert page.locator("#kept-counting").count() == 0


def test_figures_a_little_old_are_shown_at_once_then_replaced_by_themselves(page, reference_data, settings):
    # given the province's figures counted for its manager (one campaign), then one campaign more
    settings.DASHBOARD_SHARED_SECONDS, settings.DASHBOARD_STALE_SECONDS = 60, 120
    caches[overview_cache.CACHE].clear()
    world = build_world()
    campaign_at(world, Stage.SURVEYED)
    sign_in(page, "manager")
    url = f"/overview/?unit={world.province.pk}"
    page.goto(url)
    campaigns = page.locator('[data-figure="campaigns"]').first
    expect(campaigns).to_have_text("1")
    campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))

    # when the manager opens the page again once its minute is over (here: at once): the old figures, saying
    # they are being counted again
    settings.DASHBOARD_SHARED_SECONDS = 0
    page.goto(url)
    expect(page.locator("#figures-counting")).to_be_visible()
    expect(campaigns).to_have_text("1")
    screenshot(page, "overview-old-figures-counting")
    settings.DASHBOARD_SHARED_SECONDS = 60  # the new ones, once counted, are fresh for a minute

    # then, counted after the page was sent, the page asks and reloads itself with the new ones
    expect(campaigns).to_have_text("2", timeout=10_000)
    expect(page.locator("#figures-counting")).to_have_count(0)
    caches[overview_cache.CACHE].clear()
