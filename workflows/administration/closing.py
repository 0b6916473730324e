"""Closing a unit that is merged or dissolved: its open work goes to a
successor in one transaction, its past stays where it was.

What moves, in this order (each step under its own row locks, the summary
rows moved in the same transaction):

1. the enterprises it is responsible for (``enterprises_transfer``);
2. its open campaigns, on hold included, with their open tasks
   (``campaigns_transfer``: one ``TRANSFERRED`` event each, written with the
   successor);
3. its grassroots unions (CĐCS), which go under the successor
   (``organisation.services.unit_move``);
4. its active working groups (members, leaders and grants with them) and its
   people's accounts, and the unit is marked closed on the day
   (``organisation.services.unit_close_mark``).

What stays: recognised and abandoned campaigns, the history (every event
keeps the unit it happened at, so the dashboards and reports as of a day
before the closing are unchanged: ``statistics.selectors.dashboard_as_of``),
the unit's role grants (inert: a closed unit grants nothing), and the review
steps of a recognition dossier under review (who may verify and decide it
is read from the campaign's unit, now the successor).

The enterprises alone carry no history: their figures (enterprises,
workforce, coverage) are counted at the successor from then on, for any day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _, ngettext

from workflows.campaigns.flows import OPEN_STAGES
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Task, TaskStatus
from workflows.campaigns.services import campaigns_transfer
from workflows.core import clock
from workflows.core.errors import DomainError
from workflows.enterprises.services import enterprises_transfer
from workflows.organisation.models import ChangeAction, Profile, Unit, WorkingGroup
from workflows.organisation.permissions import require_administer_unit
from workflows.organisation.services import change_record, unit_close_mark, unit_move


@dataclass(frozen=True)
class ClosingResult:
    """What moved to the successor."""

    enterprises: int
    campaigns: int
    tasks: int  # the open tasks of those campaigns
    working_groups: int
    people: int
    child_units: int  # grassroots unions now under the successor


def active_children(unit: Unit):
    """The unit's open child units."""
    return Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1, is_active=True).select_related(
        "kind").order_by("path")


def open_campaigns_of(unit: Unit):
    """The campaigns a closing would move."""
    return Campaign.objects.filter(responsible_unit=unit, stage__in=OPEN_STAGES)


def closing_refusals(unit: Unit, successor: Unit, *, on: dt.date) -> list[str]:
    """Why ``unit`` may not be closed into ``successor`` on ``on`` (empty:
    it may). The service refuses with these; the confirmation page shows them."""
    if not unit.is_active:
        return [_("“%(name)s” is already closed.") % {"name": unit.name}]
    problems = []
    if unit.is_root():
        problems.append(_("“%(name)s” is the top of the tree: it cannot be closed.") % {"name": unit.name})
    if successor.path.startswith(unit.path):
        problems.append(_("The successor cannot be “%(name)s” itself or one of its own units.") % {
            "name": unit.name})
    elif not successor.is_active:
        problems.append(_("“%(name)s” is closed: choose an open successor.") % {"name": successor.name})
    elif successor.kind.is_grassroots:
        problems.append(_("A grassroots union cannot take over the work of a unit: choose an upper-level unit."))
    if on > clock.today():
        problems.append(_("The closing date cannot be in the future."))
    blocking = [child.name for child in active_children(unit) if not child.kind.is_grassroots]
    if blocking:
        problems.append(ngettext(
            "“%(name)s” still has an open child unit (%(units)s): move or close its child units first.",
            "“%(name)s” still has %(count)d open child units (%(units)s): move or close its child units first.",
            len(blocking)) % {"name": unit.name, "count": len(blocking), "units": ", ".join(blocking)})
    return problems


def _units(unit_id: int, successor_id: int) -> tuple[Unit, Unit]:
    """Both units, locked in id order against another closing or move."""
    units = {u.pk: u for u in Unit.objects.select_for_update(no_key=True).select_related("kind")
             .filter(pk__in=[unit_id, successor_id]).order_by("pk")}
    if unit_id not in units or successor_id not in units:
        raise PermissionDenied  # a missing unit looks like a forbidden one
    return units[unit_id], units[successor_id]


@transaction.atomic
def unit_close(*, unit_id: int, successor_id: int, actor, on: dt.date | None = None) -> ClosingResult:
    """Close the unit ``unit_id`` on ``on`` (today by default) and hand its
    open work to ``successor_id``: an administrator of both (an
    administrator of a unit above them both, typically). Refused
    (``DomainError``, nothing written) for the top unit, a unit already
    closed, a successor inside the unit or closed or grassroots, a date in
    the future, and a unit that still has open child units other than
    grassroots unions (they move or close first). See the module's
    docstring for what moves and what stays.

    The work moves when the closing is recorded, whatever ``on`` says: what
    happened before that moment stays with the unit (a closing recorded
    late counts the days in between at the closed unit)."""
    on = on or clock.today()
    unit, successor = _units(unit_id, successor_id)
    require_administer_unit(actor, unit)
    require_administer_unit(actor, successor)
    if unit.pk == successor.pk:
        raise ValidationError(_("Choose another unit to receive the work."))
    problems = closing_refusals(unit, successor, on=on)
    if problems:
        raise DomainError(*problems)
    groups = WorkingGroup.objects.filter(unit=unit, is_active=True).count()
    people = Profile.objects.filter(unit=unit).count()
    enterprises = enterprises_transfer(from_unit_id=unit.pk, to_unit_id=successor.pk, actor=actor, on=on)
    campaigns = campaigns_transfer(from_unit_id=unit.pk, to_unit_id=successor.pk, actor=actor, on=on)
    # counted under the campaigns' locks: their open tasks cannot change until the commit
    tasks = Task.objects.filter(status=TaskStatus.OPEN, campaign__in=CampaignEvent.objects.filter(
        kind=EventKind.TRANSFERRED, unit=successor, data__from_unit_id=unit.pk).values("campaign_id")).count()
    grassroots = [child.pk for child in active_children(unit) if child.kind.is_grassroots]
    for child_id in grassroots:
        unit_move(unit_id=child_id, parent_id=successor.pk, actor=actor)
    unit_close_mark(unit=Unit.objects.get(pk=unit.pk), successor=Unit.objects.get(pk=successor.pk), on=on,
                    actor=actor)
    result = ClosingResult(enterprises=enterprises, campaigns=campaigns, tasks=tasks, working_groups=groups,
                           people=people, child_units=len(grassroots))
    change_record(
        actor=actor, action=ChangeAction.UNIT_RECEIVED, unit=successor,
        summary=_("Received the work of “%(unit)s”, closed on %(day)s: %(enterprises)d enterprises, "
                  "%(campaigns)d open campaigns with %(tasks)d open tasks, %(groups)d working groups, "
                  "%(people)d people, %(units)d grassroots unions") % {
            "unit": unit.name, "day": f"{on:%d/%m/%Y}", "enterprises": enterprises, "campaigns": campaigns,
            "tasks": tasks, "groups": groups, "people": people, "units": len(grassroots)},
        before={"unit": unit.name, "unit_id": unit.pk},
        after={"closed_on": on.isoformat(), "enterprises": enterprises, "campaigns": campaigns, "tasks": tasks,
               "working_groups": groups, "people": people, "child_units": len(grassroots)})
    return result
