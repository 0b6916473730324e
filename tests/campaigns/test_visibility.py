"""Which campaigns, tasks and enterprises each role sees, and what it costs.

Visibility is derived from the grants in one query (``scope_of``) plus one
query for the list, whatever the number of campaigns.
"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from tests import factories
from tests.conftest import ROLES
from workflows.campaigns import services
from workflows.campaigns.models import Campaign, Task
from workflows.campaigns.permissions import Action, campaigns_visible_to, can, tasks_visible_to
from workflows.core import clock
from workflows.core.text import fold
from workflows.enterprises.models import Enterprise
from workflows.enterprises.permissions import enterprises_visible_to

User = get_user_model()

#: Template tasks a campaign gets when it opens at "surveyed" (reference data).
SURVEYED_TASKS = 3


@pytest.fixture
def landscape(world):
    """One campaign per corner of the tree:

    - ``in_group``: district, the officer's group;
    - ``in_other_group``: district, the other officer's group;
    - ``grassroots``: a grassroots union below the district, no group yet;
    - ``other_district``: the other district, no group;
    and one enterprise of the province itself, without a campaign.
    """
    grassroots = factories.unit(name="Công đoàn cơ sở Công ty TNHH Điện tử Từ Sơn", code="cdcs-dien-tu-tu-son",
                                kind="grassroots", parent=world.district, actor=world.admin)
    enterprises = {
        "in_group": world.enterprise,
        "in_other_group": factories.EnterpriseFactory(responsible_unit=world.district),
        "grassroots": factories.EnterpriseFactory(responsible_unit=grassroots),
        "other_district": factories.EnterpriseFactory(responsible_unit=world.other_district),
        "province": factories.EnterpriseFactory(responsible_unit=world.province),
    }
    opened = [
        ("in_group", world.supervisor, world.group.pk),
        ("in_other_group", world.supervisor, world.other_group.pk),
        ("grassroots", world.supervisor, None),
        ("other_district", world.other_supervisor, None),
    ]
    campaigns = {
        key: services.campaign_open(enterprise_id=enterprises[key].pk, actor=actor, working_group_id=group_id)
        for key, actor, group_id in opened
    }
    return campaigns, enterprises


def _fresh(world, role):
    """The role's user as a new object, so that no grants are cached on it."""
    user = world.user(role)
    return User.objects.get(pk=user.pk) if user else None


def _as_actor(world, role):
    return _fresh(world, role) or AnonymousUser()


CAMPAIGNS_SEEN = {
    "anonymous": set(),
    "other_officer": {"in_other_group"},
    "officer": {"in_group"},
    "other_supervisor": {"other_district"},
    "supervisor": {"in_group", "in_other_group", "grassroots"},
    "manager": {"in_group", "in_other_group", "grassroots", "other_district"},
    "administrator": set(),  # keeps the organisation; works and reads no campaign by that role
}

ENTERPRISES_SEEN = {
    "anonymous": set(),
    # officers see the registry of their groups' unit (the district) and below it
    "other_officer": {"in_group", "in_other_group", "grassroots"},
    "officer": {"in_group", "in_other_group", "grassroots"},
    "other_supervisor": {"other_district"},
    "supervisor": {"in_group", "in_other_group", "grassroots"},
    "manager": {"in_group", "in_other_group", "grassroots", "other_district", "province"},
    "administrator": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_campaigns_visible_to_each_role(world, landscape, role):
    # given a campaign in each corner of the tree
    campaigns, _ = landscape

    # when the role lists its campaigns
    seen = set(campaigns_visible_to(_as_actor(world, role)).values_list("pk", flat=True))

    # then it sees exactly its share
    assert seen == {campaigns[key].pk for key in CAMPAIGNS_SEEN[role]}


@pytest.mark.parametrize("role", ROLES)
def test_tasks_visible_to_each_role(world, landscape, role):
    # given the template tasks of a campaign in each corner of the tree
    campaigns, _ = landscape
    visible_campaigns = [campaigns[key].pk for key in CAMPAIGNS_SEEN[role]]

    # when the role lists its tasks
    seen = set(tasks_visible_to(_as_actor(world, role)).values_list("pk", flat=True))

    # then it sees exactly the tasks of the campaigns it sees
    assert seen == set(Task.objects.filter(campaign_id__in=visible_campaigns).values_list("pk", flat=True))
    assert len(seen) == SURVEYED_TASKS * len(visible_campaigns)


@pytest.mark.parametrize("role", ROLES)
def test_enterprises_visible_to_each_role(world, landscape, role):
    # given an enterprise in each corner of the tree
    _, enterprises = landscape

    # when the role lists the registry
    seen = set(enterprises_visible_to(_as_actor(world, role)).values_list("pk", flat=True))

    # then it sees exactly its share
    assert seen == {enterprises[key].pk for key in ENTERPRISES_SEEN[role]}


def test_supervisor_of_the_province_sees_every_campaign_below_it(world, landscape):
    # given a supervisor granted on the province (above both districts)
    campaigns, _ = landscape
    chief = factories.UserFactory(username="chief")
    factories.grant(world.province, chief, "supervisor", actor=world.admin)

    # when he lists campaigns
    seen = set(campaigns_visible_to(User.objects.get(pk=chief.pk)).values_list("pk", flat=True))

    # then he sees all four
    assert seen == {c.pk for c in campaigns.values()}


def test_an_inactive_user_sees_nothing(world, landscape):
    # given the manager's account is deactivated
    User.objects.filter(pk=world.manager.pk).update(is_active=False)

    # when he lists campaigns and tasks
    manager = User.objects.get(pk=world.manager.pk)

    # then he sees none
    assert list(campaigns_visible_to(manager)) == []
    assert list(tasks_visible_to(manager)) == []


# --- query counts -------------------------------------------------------------------
def _enterprises_bulk(world, count: int) -> list[Enterprise]:
    now = clock.now()
    rows = []
    for n in range(count):
        name = f"Công ty TNHH Sản xuất Hàng loạt {n}"
        rows.append(Enterprise(tax_code=factories.next_tax_code(), name=name, search_name=fold(name),
                               province="Bắc Ninh", workforce=120, responsible_unit=world.district,
                               created_at=now, updated_at=now))
    return Enterprise.objects.bulk_create(rows)


def _open_many(world, count: int) -> None:
    for enterprise in _enterprises_bulk(world, count):
        services.campaign_open(enterprise_id=enterprise.pk, actor=world.supervisor, working_group_id=world.group.pk)


def _queries_to_list(world, role, django_assert_num_queries, expected: int, count: int) -> None:
    user = _fresh(world, role)
    with django_assert_num_queries(expected):
        assert len(list(campaigns_visible_to(user))) == count


def test_listing_campaigns_costs_the_same_for_10_and_200(world, django_assert_num_queries):
    # given 10 campaigns of the officer's group
    _open_many(world, 10)

    # when officer, supervisor and manager list them, then: one query for the
    # grants, one for the list
    for role in ("officer", "supervisor", "manager"):
        _queries_to_list(world, role, django_assert_num_queries, 2, 10)

    # given 190 more
    _open_many(world, 190)

    # then the same two queries list all 200
    for role in ("officer", "supervisor", "manager"):
        _queries_to_list(world, role, django_assert_num_queries, 2, 200)


def test_listing_campaigns_as_anonymous_costs_no_query(world, django_assert_num_queries):
    # given campaigns
    _open_many(world, 3)

    # when an anonymous user lists them, then no query is made and nothing is seen
    with django_assert_num_queries(0):
        assert list(campaigns_visible_to(AnonymousUser())) == []


#: (queries, campaigns viewable, campaigns workable) among 25 of the officer's
#: group and 25 of the other officer's group.
CAN_FOR_50 = {
    "anonymous": (0, 0, 0),
    "other_officer": (1, 25, 25),
    "officer": (1, 25, 25),
    "other_supervisor": (1, 0, 0),
    "supervisor": (1, 50, 50),
    "manager": (1, 50, 0),
    "administrator": (1, 0, 0),
}


@pytest.mark.parametrize("role", ROLES)
def test_can_for_50_campaigns_reads_the_grants_once(world, django_assert_num_queries, role):
    # given 25 campaigns in each working group of the district
    for n, enterprise in enumerate(_enterprises_bulk(world, 50)):
        group = world.group if n % 2 == 0 else world.other_group
        services.campaign_open(enterprise_id=enterprise.pk, actor=world.supervisor, working_group_id=group.pk)
    campaigns = list(Campaign.objects.select_related("responsible_unit").order_by("pk"))
    user = _as_actor(world, role)
    queries, viewable, workable = CAN_FOR_50[role]

    # when the policy is asked about each of them
    with django_assert_num_queries(queries):
        may_view = [c.pk for c in campaigns if can(user, Action.VIEW, c)]
        may_work = [c.pk for c in campaigns if can(user, Action.WORK, c)]

    # then the grants were read once at most, and the answers are right
    assert len(campaigns) == 50
    assert len(may_view) == viewable
    assert len(may_work) == workable
