"""The enterprise list and an enterprise's page link a campaign only for a
user who may open it (the permission module decides, in one query a page);
to the others they show that a campaign exists, without a link that would
answer 404."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import ROLES, campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns.flows import Stage
from workflows.campaigns.permissions import campaign_ids_visible_to
from workflows.organisation.permissions import scope_of

CAMPAIGN_LINK = re.compile(r'href="(/campaigns/\d+/)"')
#: Who may open a campaign of ``world.group`` (the other officer reads the
#: unit's registry but works another group's cases).
OPENS = {"officer": True, "supervisor": True, "manager": True, "other_officer": False}


@pytest.fixture
def campaign(world):
    return campaign_at(world, Stage.EMPLOYER_CONTACTED)


def campaign_links(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return CAMPAIGN_LINK.findall(response.content.decode())


@pytest.mark.parametrize("role", sorted(OPENS))
def test_the_enterprise_list_links_a_campaign_only_for_who_may_open_it(client, world, campaign, role):
    client.force_login(world.user(role))

    links = campaign_links(client, reverse("enterprises:list"))

    detail = reverse("campaigns:detail", args=[campaign.pk])
    assert links == ([detail] if OPENS[role] else [])
    for link in links:
        assert client.get(link).status_code == 200


@pytest.mark.parametrize("role", sorted(OPENS))
def test_the_enterprise_page_links_a_campaign_only_for_who_may_open_it(client, world, campaign, role):
    client.force_login(world.user(role))

    response = client.get(reverse("enterprises:detail", args=[campaign.enterprise_id]))

    detail = reverse("campaigns:detail", args=[campaign.pk])
    assert response.status_code == 200
    html = response.content.decode()
    assert CAMPAIGN_LINK.findall(html) == ([detail] if OPENS[role] else [])
    # the campaign is there for everyone who reads the enterprise, at its stage
    assert html.count('class="badge stage-employer_contacted"') == 1
    assert ("do tổ công tác hoặc đơn vị khác thực hiện" in html) is not OPENS[role]  # worked by another group or unit


@pytest.mark.parametrize("role", ROLES)
def test_the_visible_subset_of_campaign_ids_comes_from_the_policy(world, campaign, role,
                                                                  django_assert_num_queries):
    other = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    user = world.user(role)
    scope_of(user)  # the grants are read once per request, before the page's links

    # no query for whom sees no campaign at all (an administrator alone keeps the organisation)
    with django_assert_num_queries(0 if role in ("anonymous", "administrator") else 1):
        visible = campaign_ids_visible_to(user, [campaign.pk, other.pk, None, campaign.pk])

    expected = {"officer": {campaign.pk, other.pk}, "supervisor": {campaign.pk, other.pk},
                "manager": {campaign.pk, other.pk}, "other_officer": set(), "other_supervisor": set(),
                "anonymous": set(), "administrator": set()}[role]
    assert visible == expected


def test_the_enterprise_list_decides_its_links_in_one_query(client, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert campaign_links(client, reverse("enterprises:list")) == []
        return len(captured.captured_queries)

    # given pages of enterprises whose campaigns another group works
    client.force_login(world.other_officer)
    for _ in range(2):
        campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    few = queries()
    for _ in range(20):
        campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))

    # then the links of 22 rows cost what those of 2 rows cost
    assert queries() == few
