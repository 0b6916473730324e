"""The campaign page and the enterprise page say where each workforce figure
comes from and when (the case's own count, the registry's figure with its
source and date), and show an address once, whether the registry wrote the
commune and province into the address column or in their own."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.enterprises.models import WorkforceSource

COUNTED_ON = dt.date(2026, 3, 12)


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(dd|article)>', html, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def enterprise(world):
    return EnterpriseFactory(responsible_unit=world.district, workforce=250, workforce_as_of=dt.date(2025, 12, 31),
                             workforce_source=WorkforceSource.SOCIAL_INSURANCE)


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager"])
def test_the_two_workforce_figures_each_say_their_source_and_date(english, world, enterprise, role):
    # given a campaign whose officer counted 257 workers, while the registry says 250
    with clock.travel_to(dt.date(2026, 3, 2)):
        campaign = campaign_at(world, Stage.SURVEYED, enterprise=enterprise)
    with clock.travel_to(COUNTED_ON):
        services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, workforce=257)
    english.force_login(world.user(role))

    html = english.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert text_of(html, "workforce-campaign") == (
        f"257 Workforce counted on the case, 12/03/2026 ({world.officer.get_full_name()})")
    assert text_of(html, "workforce-registry") == "250 source: Social insurance, as of 31/12/2025"
    enterprise_page = english.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()
    assert text_of(enterprise_page, "workforce-registry") == "250 source: Social insurance, as of 31/12/2025"


def test_a_campaign_without_a_count_says_its_figure_came_from_the_registry(english, world, enterprise):
    with clock.travel_to(dt.date(2026, 3, 2)):
        campaign = campaign_at(world, Stage.SURVEYED, enterprise=enterprise)
    english.force_login(world.officer)

    html = english.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert text_of(html, "workforce-campaign") == "250 Workforce from the registry when the campaign opened, 02/03/2026"


@pytest.mark.parametrize("address, commune, province, shown", [
    ("Số 12 đường Lý Thái Tổ, xã Yên Phong, tỉnh Bắc Ninh", "Xã Yên Phong", "Bắc Ninh",
     "Số 12 đường Lý Thái Tổ, xã Yên Phong, tỉnh Bắc Ninh"),
    ("Số 12 đường Lý Thái Tổ", "Xã Yên Phong", "Bắc Ninh", "Số 12 đường Lý Thái Tổ, Xã Yên Phong, Bắc Ninh"),
    ("Lô A2, KCN VSIP Bắc Ninh", "Phường Từ Sơn", "Bắc Ninh", "Lô A2, KCN VSIP Bắc Ninh, Phường Từ Sơn, Bắc Ninh"),
    ("Số 3 đường Bắc Ninh, phường Từ Sơn", "Phường Từ Sơn", "Bắc Ninh",
     "Số 3 đường Bắc Ninh, phường Từ Sơn, Bắc Ninh"),
    ("", "", "", "—"),
])
def test_an_address_names_its_commune_and_province_once(client, world, address, commune, province, shown):
    enterprise = EnterpriseFactory(responsible_unit=world.district, address=address, commune=commune,
                                   province=province)
    campaign = campaign_at(world, Stage.SURVEYED, enterprise=enterprise)
    client.force_login(world.supervisor)

    for url in (reverse("enterprises:detail", args=[enterprise.pk]), reverse("campaigns:detail", args=[campaign.pk])):
        assert text_of(client.get(url).content.decode(), "address") == shown, url
