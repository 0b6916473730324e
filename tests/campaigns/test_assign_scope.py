"""A campaign goes to a working group of its own unit or of a unit above it,
never to a group of a sibling unit, even for a supervisor of both."""
import pytest
from django.core.exceptions import ValidationError

from tests.conftest import campaign_at
from tests.factories import UserFactory, grant, working_group
from workflows.campaigns import services
from workflows.campaigns.flows import Stage


def test_a_province_supervisor_cannot_give_a_district_case_to_another_districts_group(world):
    boss = UserFactory(username="province_boss")
    grant(world.province, boss, "supervisor", actor=world.admin)
    sibling_group = working_group(world.other_district, "Tổ Quế Võ", [UserFactory(username="qv")], actor=world.admin)
    province_group = working_group(world.province, "Tổ tỉnh", [UserFactory(username="tinh")], actor=world.admin)
    campaign = campaign_at(world, Stage.SURVEYED)

    with pytest.raises(ValidationError) as refused:
        services.campaign_assign(campaign_id=campaign.pk, working_group_id=sibling_group.pk, actor=boss)

    assert "working_group" in refused.value.message_dict
    campaign.refresh_from_db()
    assert campaign.working_group == world.group
    services.campaign_assign(campaign_id=campaign.pk, working_group_id=province_group.pk, actor=boss)
    campaign.refresh_from_db()
    assert campaign.working_group == province_group
