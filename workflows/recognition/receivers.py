"""What the review does when its campaign changes elsewhere."""
from django.dispatch import receiver

from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign
from workflows.campaigns.signals import stage_changed


@receiver(stage_changed, sender=Campaign, dispatch_uid="recognition-cancel-on-abandon")
def cancel_review_of_abandoned_campaign(sender, campaign, to_stage, **kwargs):
    if to_stage == Stage.ABANDONED:
        from .services import review_cancel

        review_cancel(campaign=campaign)
