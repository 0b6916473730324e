"""What the API reads, always through the permission modules: a user sees
through the API exactly what the pages show them."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from workflows.campaigns.models import Campaign, CampaignEvent, Task, TaskStatus
from workflows.campaigns.selectors import campaign_timeline, campaigns_shown_to, tasks_shown_to
from workflows.enterprises.models import Enterprise
from workflows.enterprises.selectors import EnterpriseFilters, enterprises_for_list, enterprises_shown_to
from workflows.organisation.models import Unit, WorkingGroup
from workflows.organisation.permissions import scope_of, units_visible_to, working_groups_visible_to


def units_for(user) -> QuerySet[Unit]:
    return units_visible_to(user).select_related("kind").order_by("path")


def working_groups_for(user) -> QuerySet[WorkingGroup]:
    return working_groups_visible_to(user).order_by("pk")


def campaigns_for(user) -> QuerySet[Campaign]:
    return campaigns_shown_to(user)


def history_of(campaign: Campaign) -> QuerySet[CampaignEvent]:
    return campaign_timeline(campaign)


def tasks_for(user) -> QuerySet[Task]:
    return tasks_shown_to(user).select_related("campaign__enterprise")


def tasks_mine(user) -> QuerySet[Task]:
    """My open tasks: assigned to me, or waiting in the queues of my working groups."""
    groups = sorted(scope_of(user).groups)
    return tasks_for(user).filter(Q(assignee_id=user.pk) | Q(assignee__isnull=True, working_group_id__in=groups),
                                  status=TaskStatus.OPEN)


def enterprises_for(user, params) -> QuerySet[Enterprise]:
    """The registry the user sees, by the registry's own filters (``q``
    finds names typed without diacritics, and tax codes)."""
    return enterprises_for_list(user, EnterpriseFilters(
        q=params.get("q", ""), sector=params.get("sector", ""), band=params.get("band", ""),
        union=params.get("union", "")))


def enterprise_for(user, pk: int) -> Enterprise | None:
    return enterprises_shown_to(user).filter(pk=pk).first()


def unit_for(user, pk) -> Unit | None:
    return units_for(user).filter(pk=pk).first() if str(pk).isdigit() else None


def tasks_queued(user) -> QuerySet[Task]:
    """The open tasks nobody holds yet in the queues of my working groups."""
    return tasks_for(user).filter(assignee__isnull=True, working_group_id__in=sorted(scope_of(user).groups),
                                  status=TaskStatus.OPEN)
