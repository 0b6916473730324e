"""The unit picker in a real browser: typing part of a unit's name lists
the matches (htmx) without leaving the page, and a match chooses the unit
with the page's other filters kept."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import build_world
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_typing_a_unit_name_lists_the_matches_and_a_match_chooses_it(page, reference_data):
    world = build_world()
    sign_in(page, "manager")  # the province and its two districts
    page.goto("/campaigns/?stage=surveyed")
    options = page.locator("select[name=unit] option")
    expect(options).to_have_count(4)  # all units, the province, its two districts

    page.locator("input[name=unit_q]").press_sequentially("Quế", delay=30)

    match = page.locator("#unit-matches a")
    expect(match).to_have_count(1)
    expect(match).to_have_text(world.other_district.name)
    assert page.url.endswith("/campaigns/?stage=surveyed")  # still the same page: the matches came by htmx
    screenshot(page, "unit-picker-search")
    match.click()
    page.wait_for_url(re.compile(rf"unit={world.other_district.pk}"))
    assert "stage=surveyed" in page.url
    expect(page.locator("select[name=unit] option:checked")).to_have_text(world.other_district.name)
    expect(page.locator(".unit-trail a")).to_have_count(2)  # all units › the province
    expect(page.locator(".unit-trail [aria-current=location]")).to_have_text(world.other_district.name)
