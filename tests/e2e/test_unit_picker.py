"""The unit picker in a real browser: typing part of a unit's name lists
the matches (htmx) without leaving the page, and a match chooses the unit
with the page's other filters kept; on a page that records figures, the
unit chosen is the one recorded for."""
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tests.conftest import build_world
from tests.e2e.conftest import screenshot, sign_in
from workflows.statistics.models import MemberCensus

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


def test_a_member_count_is_recorded_for_the_unit_found_by_typing_its_name_without_accents(page, reference_data):
    world = build_world()
    head = factories.UserFactory(username="province_supervisor")
    factories.grant(world.province, head, "supervisor", actor=world.admin)
    sign_in(page, "province_supervisor")
    page.goto(reverse("statistics:member_counts"))
    # the province and its two districts: the picker, not a list of every unit
    expect(page.locator("select[name=unit] option")).to_have_count(3)

    page.locator("input[name=unit_q]").press_sequentially("que vo", delay=30)  # typed without accents
    match = page.locator("#unit-matches a")
    expect(match).to_have_count(1)
    expect(match).to_have_text(world.other_district.name)
    match.click()
    page.wait_for_url(re.compile(rf"unit={world.other_district.pk}"))
    expect(page.locator("h1")).to_contain_text(world.other_district.name)
    page.fill("input[name=as_of]", "2025-06-30")  # a date input: the browser's own format
    page.fill("input[name=members]", "1250")
    page.fill("input[name=source]", "Sổ theo dõi đoàn viên")
    with page.expect_navigation():
        page.locator("article button[type=submit]").click()
    screenshot(page, "member-count-recorded")

    assert page.url.endswith(f"{reverse('statistics:member_counts')}?unit={world.other_district.pk}")
    expect(page.locator("#recent tbody tr")).to_have_count(1)
    expect(page.locator("#recent tbody td").nth(1)).to_have_text(world.other_district.name)
    assert list(MemberCensus.objects.values_list("unit_id", "members")) == [(world.other_district.pk, 1250)]
