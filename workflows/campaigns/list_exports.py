"""The lists of this app as files prepared by a job (``workflows.exports``
runs them, by the names in its ``kinds``): the registry list (its campaign
filter is this app's), the campaign list and My tasks, each with the
filters of its page, for the user who asked — the rows are read through the
same selectors as the page, for that user as their grants are when the job
runs. Dates are written as dates (dd/mm/yyyy), text never as a formula
(``workflows.core.spreadsheets``).

The filters are read from the query the way the list views read them
(``campaign_filters`` is ``views._campaign_filters``, ``inbox_filters``
``views._inbox_filters``; a test keeps them alike).
"""
from __future__ import annotations

import functools
import operator

from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from workflows.core.params import param_bool, param_choice, param_int, param_str
from workflows.core.spreadsheets import Spreadsheet
from workflows.enterprises import exports as enterprise_exports
from workflows.enterprises.models import OwnershipSector
from workflows.exports.producers import PROGRESS_EVERY, XLSX, ExportFile, ExportJob, Producer, with_progress
from workflows.organisation.selectors import unit_picked

from . import selectors
from .flows import Stage
from .models import FollowUpStatus, Task


def campaign_filters(params, unit_path: str) -> selectors.CampaignFilters:
    """The campaign list's filters from its query; ``unit_path``: the subtree
    of its unit if the user may pick it (``unit_path_of``), else ""."""
    return selectors.CampaignFilters(
        q=param_str(params, "q", 100),
        stage=param_choice(params, "stage", Stage.values),
        unit_path=unit_path,
        group=param_int(params, "group"),
        sector=param_choice(params, "sector", OwnershipSector.values),
        band=param_choice(params, "band", list(selectors.WORKFORCE_BANDS)),
        overdue=param_bool(params, "overdue"),
        stalled=param_bool(params, "stalled"),
        open_only=param_bool(params, "open"),
        sort=param_choice(params, "sort", list(selectors.CAMPAIGN_SORTS)) or "-stage_entered_at",
    )


def unit_path_of(user, params) -> str:
    """The path of the query's unit if ``user`` may pick it (one row), else ""."""
    unit = unit_picked(user, param_int(params, "unit"))
    return unit.path if unit is not None else ""


def inbox_filters(params) -> selectors.InboxFilters:
    """My tasks' filters from its query."""
    return selectors.InboxFilters(
        campaign=param_int(params, "campaign"),
        stage=param_choice(params, "stage", Stage.values),
        due_this_week=param_bool(params, "week"),
        overdue=param_bool(params, "overdue"),
    )


def _day(moment):
    """A stored moment as the local day (the lists show days)."""
    return timezone.localtime(moment).date() if moment else None


# --- the registry ---------------------------------------------------------------------
def _registry(job: ExportJob) -> ExportFile:
    filters = enterprise_exports.registry_filters(job.parameters, unit_path_of(job.actor, job.parameters))
    enterprises = selectors.enterprises_with_campaigns(job.actor, filters)
    return ExportFile(enterprise_exports.registry_workbook(enterprises, job=job, total=enterprises.count()),
                      enterprise_exports.registry_file_name(job.today), XLSX)


REGISTRY = Producer(title=gettext_lazy("Enterprise registry (XLSX)"), write=_registry, list_url="enterprises:list")


# --- the campaign list --------------------------------------------------------------
def _campaigns(job: ExportJob) -> ExportFile:
    filters = campaign_filters(job.parameters, unit_path_of(job.actor, job.parameters))
    campaigns = selectors.campaigns_for_list(job.actor, filters, today=job.today)
    total = campaigns.count()
    cutoffs = selectors.stalled_cutoffs_by_unit(today=job.today)
    follow_up = dict(FollowUpStatus.choices)
    yes = _("yes")
    book = Spreadsheet()
    sheet = book.sheet(_("Campaigns"), widths=(44, 16, 24, 10, 22, 12, 32, 24, 12, 12, 14, 14))
    sheet.append([_("Enterprise"), _("Tax code"), _("Stage"), _("Stalled"), _("First year"), _("Overdue tasks"),
                  _("Unit"), _("Working group"), _("Workforce"), _("Applications"), _("In stage since"),
                  _("Opened on")], bold=True)
    for campaign in with_progress(campaigns.iterator(chunk_size=PROGRESS_EVERY), job, total):
        sheet.append([
            campaign.enterprise.name, campaign.enterprise.tax_code, str(campaign.get_stage_display()),
            yes if selectors.is_stalled(campaign, cutoffs) else "",
            str(follow_up.get(campaign.follow_up_status, "")) if campaign.follow_up_status else "",
            campaign.overdue_tasks, campaign.responsible_unit.name,
            campaign.working_group.name if campaign.working_group_id else "", campaign.workforce,
            campaign.applications, _day(campaign.stage_entered_at), _day(campaign.opened_at)])
    return ExportFile(book.file(), f"{_('campaigns')}-{job.today:%Y-%m-%d}.xlsx", XLSX)


CAMPAIGNS = Producer(title=gettext_lazy("Campaign list (XLSX)"), write=_campaigns, list_url="campaigns:list")


# --- My tasks -------------------------------------------------------------------------
def _my_tasks(job: ExportJob) -> ExportFile:
    inbox = selectors.tasks_for_inbox(job.actor, inbox_filters(job.parameters), today=job.today)
    total = inbox.count()
    # every row of the page's branches (the user's own tasks, their groups' queues), in the page's order
    tasks = (Task.objects.filter(pk__in=functools.reduce(operator.or_, inbox.branches).values("pk"))
             .select_related("campaign__enterprise", "campaign__responsible_unit", "assignee", "working_group")
             .order_by("due_on", "pk"))
    yes, queue = _("yes"), _("Group queue")
    book = Spreadsheet()
    sheet = book.sheet(_("My tasks"), widths=(12, 10, 40, 40, 16, 24, 26, 24, 32, 12))
    sheet.append([_("Due"), _("Overdue"), _("Task"), _("Enterprise"), _("Tax code"), _("Stage"), _("Assignee"),
                  _("Working group"), _("Unit"), _("Created on")], bold=True)
    for task in with_progress(tasks.iterator(chunk_size=PROGRESS_EVERY), job, total):
        assignee = (task.assignee.get_full_name() or task.assignee.get_username()) if task.assignee_id else queue
        sheet.append([
            task.due_on, yes if task.due_on < job.today else "", task.title, task.campaign.enterprise.name,
            task.campaign.enterprise.tax_code, str(task.get_stage_display()), assignee,
            task.working_group.name if task.working_group_id else "", task.campaign.responsible_unit.name,
            _day(task.created_at)])
    return ExportFile(book.file(), f"{_('tasks')}-{job.today:%Y-%m-%d}.xlsx", XLSX)


MY_TASKS = Producer(title=gettext_lazy("My tasks (XLSX)"), write=_my_tasks, list_url="campaigns:my_tasks")
