"""A campaign's figures derived from its people: the committee's size
always (its seats are workers), and — when its workers are entered by name
(``Register.NAMES``) — the core group (workers at support level 1), the
standing applications and the members admitted at the congress. The
services that change the people call ``derive`` under the campaign's row
lock, so the counters the guards read always equal the people data."""
from __future__ import annotations

from django.db.models import Count, Q

from workflows.people.models import SupportLevel, Worker

from .models import Application, Campaign, CommitteeMember, Register

#: The counters a campaign with its workers by name derives.
DERIVED_BY_NAME = ("core_group", "applications", "admitted_members")


def register_figures(campaign: Campaign) -> dict[str, int]:
    """The figures as the people data give them (three queries)."""
    applications = Application.objects.filter(campaign=campaign, withdrawn_on__isnull=True).aggregate(
        applications=Count("id"), admitted_members=Count("id", filter=Q(admitted_on__isnull=False)))
    core_group = Worker.objects.filter(enterprise_id=campaign.enterprise_id, support_level=SupportLevel.LEADER) \
        .exclude(employment_status="left").count()
    return {"committee_size": CommitteeMember.objects.filter(campaign=campaign).count(),
            "core_group": core_group, **applications}


def derive(campaign: Campaign) -> dict[str, list[int]]:
    """Set the campaign's derived counters from its people (not saved);
    returns what changed, as ``{name: [before, after]}``."""
    figures = register_figures(campaign)
    names = ("committee_size", *DERIVED_BY_NAME) if campaign.register == Register.NAMES else ("committee_size",)
    changes = {}
    for name in names:
        if getattr(campaign, name) != figures[name]:
            changes[name] = [getattr(campaign, name), figures[name]]
            setattr(campaign, name, figures[name])
    return changes
