from tests.conftest import campaign_at
from workflows.campaigns.flows import Stage


def test_campaign_reaches_every_stage(world):
    from tests.factories import EnterpriseFactory
    for stage in [Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE, Stage.FOUNDING_CONGRESS,
                  Stage.RECOGNISED, Stage.ON_HOLD, Stage.ABANDONED]:
        c = campaign_at(world, stage, enterprise=EnterpriseFactory(responsible_unit=world.district))
        assert c.stage == stage
