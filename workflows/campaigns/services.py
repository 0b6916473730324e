"""Every write to campaigns, their history and their tasks.

Each service is one transaction that follows the same order: lock the row,
check the actor's permission, check that nobody changed the case since the
actor read it (``expected_stage`` / ``expected_version``), check the
transition and its guards, write, record the event, cancel and create tasks,
and queue notifications for after the commit.

Every stage change goes through one service, ``campaign_transition``, which
takes any transition declared in ``flows.TRANSITIONS``: the declaration says
which permission it needs, what it records besides the stage
(``_RECORDERS``), what it does once its guards are met (``_EFFECTS``) and
which jobs follow the commit.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from workflows.core import clock, jobs, notify, prepared, rows
from workflows.core.errors import Conflict, DomainError, GuardNotMet
from workflows.core.prepared import PreparedGet
from workflows.enterprises.models import Enterprise
from workflows.enterprises.services import enterprise_mark_unionised, units_lock_for_transfer
from workflows.organisation.models import Unit, WorkingGroup
from workflows.organisation.permissions import require_administer_person, require_manage_groups, scope_of
from workflows.organisation.reference_stamp import stamp_expression
from workflows.organisation.selectors import grassroots_kind_cached
from workflows.organisation.services import grassroots_unit_create
from workflows.organisation.workdays import WorkingCalendar, calendar_cached
from workflows.people import services as people
from workflows.people.models import SurveyVisit, Worker, WorkerSource
from workflows.people.services import WorkerData
from workflows.webhooks import services as webhooks
from workflows.webhooks.kinds import EventKind as WebhookKind

from . import figures, flows, permissions
from .derived import DERIVED_BY_NAME, derive
from .fields import CommitteeMemberData
from .flows import Effect, MeetingOutcome, Record, Stage
from .models import (
    MILESTONE_DATES,
    Application,
    Campaign,
    CampaignEvent,
    CommitteeMember,
    EventKind,
    FailureReason,
    FollowUp,
    Register,
    Task,
    TaskStatus,
)
from .permissions import Action
from .selectors import rules_in_force_cached, stage_templates_cached

User = get_user_model()


# --- shared steps ---------------------------------------------------------------
def _lock(campaign_id: int, *, with_unit: bool = False) -> Campaign:
    """The campaign, its row locked, with its unit, enterprise and working
    group, and the reference stamp (``reference_stamp``, None where there
    is none) read in the same statement: what a move reads of the rule
    sets, checklists, calendars and webhook subscriptions comes from this
    process's caches while the stamp keeps its value
    (``workflows.organisation.reference_stamp``). ``with_unit``: the
    responsible unit's row is locked too (a recognition adds the new
    grassroots unit under it)."""
    campaign = _LOCKS[with_unit].get(campaign_id)
    campaign._as_locked = _values_of(campaign)
    return campaign


def _values_of(campaign: Campaign) -> tuple:
    return tuple(f.value_from_object(campaign) for f in _COLUMNS)


def _save_moved(campaign: Campaign, *, cancel: tuple | None = None) -> list[dt.date]:
    """Write what a move changed of the campaign locked by ``_lock``: one
    UPDATE of the changed columns, prepared on the server once per shape
    (``core.prepared``), still refused if the stage is no longer the one
    read (django-fsm's ``ConcurrentTransition``, as its ``save`` does) —
    not the ORM's save of all 26 columns, compiled and planned on every
    move. A campaign not read by ``_lock`` (or elsewhere than PostgreSQL)
    is saved as usual.

    ``cancel``: (stage, actor, now, why) — the open tasks of the stage left
    are cancelled in the same statement (``_tasks_cancel_for_stage``); their
    due dates are returned."""
    loaded = getattr(campaign, "_as_locked", None)
    ours = loaded is not None and connection.vendor == "postgresql"
    now = _values_of(campaign) if ours else ()
    changed = [(field, value) for field, before, value in zip(_COLUMNS, loaded, now, strict=True)
               if value != before] if ours else []
    if not changed:  # the ORM's save where the statement is not ours; nothing to write where it is
        if not ours:
            campaign.save()
        return _tasks_cancel_for_stage(campaign, *cancel) if cancel else []
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(field.column)} = %s" for field, _value in changed)
    update = f"UPDATE {quote(Campaign._meta.db_table)} SET {columns} WHERE id = %s AND stage = %s"
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the proxy that looks it up on every use
    params = [*(field.get_db_prep_save(value, db) for field, value in changed), campaign.pk, loaded[_STAGE_AT]]
    due_dates: list[dt.date] = []
    with prepared.cursor() as cursor:
        if cancel:
            stage, actor, at, why = cancel
            cursor.execute(f"WITH moved AS ({update} RETURNING 1), cancelled AS ({_tasks_cancel_sql()}) "
                           f"SELECT (SELECT count(*) FROM moved), (SELECT array_agg(due_on) FROM cancelled)",
                           [*params, *_tasks_cancel_params(campaign, stage, actor, at, why)])
            moved, due_dates = cursor.fetchone()
            due_dates = due_dates or []
        else:
            cursor.execute(update, params)
            moved = cursor.rowcount
        if moved != 1:
            raise ConcurrentTransition("Cannot save object! The state has been changed since fetched from the "
                                       "database!")
    campaign._as_locked = now
    campaign._update_initial_state()  # django-fsm's record of the stage saved, as its save() keeps it
    return due_dates


#: The campaign's columns as ``_save_moved`` compares and writes them (the primary key left out).
_COLUMNS = tuple(f for f in Campaign._meta.concrete_fields if not f.primary_key)
_STAGE_AT = next(i for i, f in enumerate(_COLUMNS) if f.attname == "stage")


#: ``_lock``'s statement, compiled once per connection (``core.prepared``: the ORM took longer to build it
#: than PostgreSQL to run it).
_LOCKS = {with_unit: PreparedGet(
    lambda pk, with_unit=with_unit: Campaign.objects.filter(pk=pk)
    .select_for_update(of=("self", "responsible_unit") if with_unit else ("self",))
    .select_related("responsible_unit", "enterprise", "working_group")
    .annotate(reference_stamp=stamp_expression())) for with_unit in (False, True)}


def _check_fresh(campaign: Campaign, expected_stage: str | None, expected_version: int | None) -> None:
    if expected_stage is not None and campaign.stage != expected_stage:
        raise Conflict.stale()
    if expected_version is not None and campaign.version != expected_version:
        raise Conflict.stale()


def _require_working(campaign: Campaign) -> None:
    if campaign.stage not in flows.WORKING_STAGES:
        if campaign.stage == Stage.ON_HOLD:
            raise DomainError(_("The campaign is on hold: resume it first."))
        raise DomainError(_("The campaign is closed."))


def _event_row(campaign: Campaign, actor, kind: str, *, note: str = "", from_stage: str = "", to_stage: str = "",
               data: dict | None = None, at: dt.datetime | None = None) -> CampaignEvent:
    """An event of the campaign's history, not written yet."""
    return CampaignEvent(
        campaign=campaign, unit_id=campaign.responsible_unit_id, kind=kind, at=at or clock.now(), actor=actor,
        note=note.strip(),
        from_stage=from_stage, to_stage=to_stage, data=data or {},
    )


def _event(campaign: Campaign, actor, kind: str, *, note: str = "", from_stage: str = "", to_stage: str = "",
           data: dict | None = None, at: dt.datetime | None = None,
           pending: list[CampaignEvent] | None = None) -> CampaignEvent:
    """Record an event of the campaign's history; with ``pending`` (a
    transition's), add it there instead, to be written with the stage event
    in one statement."""
    event = _event_row(campaign, actor, kind, note=note, from_stage=from_stage, to_stage=to_stage, data=data, at=at)
    if pending is None:
        event.save(force_insert=True)
    else:
        pending.append(event)
    return event


def _stamp(campaign: Campaign) -> int | None:
    """The reference stamp read with the campaign's row lock (``_lock``)."""
    return getattr(campaign, "reference_stamp", None)


def _announce(kind: str, campaign: Campaign, event: CampaignEvent, **data) -> None:
    """Write the change to the webhooks' outbox (in this transaction; nothing when nobody listens)."""
    enterprise = campaign.enterprise
    webhooks.event_record(kind=kind, unit=campaign.responsible_unit, stamp=_stamp(campaign), data={
        "campaign": {"id": campaign.pk, "version": campaign.version, "stage": campaign.stage,
                     "working_group": campaign.working_group_id,
                     "enterprise": {"id": enterprise.pk, "name": enterprise.name, "tax_code": enterprise.tax_code}},
        "unit": webhooks.unit_data(campaign.responsible_unit), "history_event": event.pk,
        "actor": event.actor_id, **data})


def _user_label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _tasks_for_stage(campaign: Campaign, stage: str, actor, now: dt.datetime,
                     calendar: WorkingCalendar | None = None) -> list[Task]:
    """Entering a stage creates its template tasks — those of the nearest
    unit (the campaign's or one above it) that keeps a checklist for the
    stage, else the national ones — due in working days of the unit's
    calendar (``calendar``: the caller's, of that unit). The checklist and
    the calendar come from this process's caches when the campaign carries
    the reference stamp (``_lock``). The tasks are not written yet."""
    unit, stamp = campaign.responsible_unit, _stamp(campaign)
    templates = stage_templates_cached(stamp=stamp, stage=stage, unit=unit)
    if not templates:
        return []
    start = timezone.localtime(now).date()
    longest = max(t.due_in_working_days for t in templates)
    calendar = calendar or calendar_cached(stamp=stamp, unit=unit, start=start,
                                           end=start + dt.timedelta(days=longest * 2 + 45))
    return [Task(campaign=campaign, stage=stage, title=t.title, description=t.description, template=t,
                 milestone=t.milestone, is_core=t.is_core,
                 working_group=campaign.working_group, due_on=calendar.add(start, t.due_in_working_days),
                 created_by=actor, created_at=now)
            for t in templates]


def _tasks_create_for_stage(campaign: Campaign, stage: str, actor, now: dt.datetime) -> list[Task]:
    """``_tasks_for_stage``, written, with the open tasks' figures."""
    tasks = Task.objects.bulk_create(_tasks_for_stage(campaign, stage, actor, now))
    figures.tasks_opened(unit_id=campaign.responsible_unit_id, due_dates=[t.due_on for t in tasks])
    return tasks


def _tasks_cancel_for_stage(campaign: Campaign, stage: str, actor, now: dt.datetime, why: str) -> list[dt.date]:
    """Leaving a stage cancels its open tasks, with a note that says why;
    returns their due dates (the caller moves the counters). One statement
    on PostgreSQL (UPDATE … RETURNING)."""
    if connection.vendor != "postgresql":
        leaving = Task.objects.filter(campaign=campaign, stage=stage, status=TaskStatus.OPEN)
        due_dates = list(leaving.values_list("due_on", flat=True))
        leaving.update(status=TaskStatus.CANCELLED, closed_by=actor, closed_at=now, closing_note=why)
        return due_dates
    with prepared.cursor() as cursor:  # the same statement on every move: planned once per connection
        cursor.execute(_tasks_cancel_sql(), _tasks_cancel_params(campaign, stage, actor, now, why))
        return [due_on for (due_on,) in cursor.fetchall()]


def _tasks_cancel_params(campaign: Campaign, stage: str, actor, now: dt.datetime, why: str) -> list:
    return [TaskStatus.CANCELLED.value, actor.pk if actor else None, now, why, campaign.pk, stage,
            TaskStatus.OPEN.value]


@functools.cache
def _tasks_cancel_sql() -> str:
    """``_tasks_cancel_for_stage``'s statement on PostgreSQL (its text built once per process)."""
    column = {name: connection.ops.quote_name(Task._meta.get_field(name).column)
              for name in ("status", "closed_by", "closed_at", "closing_note", "campaign", "stage", "due_on")}
    return (f"UPDATE {connection.ops.quote_name(Task._meta.db_table)} SET {column['status']} = %s, "
            f"{column['closed_by']} = %s, {column['closed_at']} = %s, {column['closing_note']} = %s "
            f"WHERE {column['campaign']} = %s AND {column['stage']} = %s AND {column['status']} = %s "
            f"RETURNING {column['due_on']} AS due_on")


#: How far ahead a transition reads the working calendar (due dates further
#: out read the rest when they need it).
_TASK_HORIZON = dt.timedelta(days=120)


#: What a transition does after its stage change (``_EFFECTS``): given the
#: summary figures' batch and the new rows the transition writes in one
#: statement with its events (``rows.insert``), it adds to them.
After = Callable[[figures.Batch, list], None]


def _transition(campaign: Campaign, declared: flows.Transition, actor, *, note: str = "",
                data: dict | None = None, then: Sequence[After] = (),
                pending: Sequence[CampaignEvent] = ()) -> CampaignEvent:
    """Take the transition ``declared`` on a locked campaign whose permission
    and guards were checked: change the stage, cancel the left stage's
    tasks, run ``then`` (what the transition does after the stage change),
    write the event (after ``pending``, the events of what its form
    recorded), the entered stage's tasks and the rows of ``then`` in one
    statement, move the summary figures in one statement, and queue its
    jobs for after the commit.

    The reference data (the unit's calendar and checklist, who listens to
    webhooks) come from this process's caches for the reference stamp read
    with the row lock: a move writes and reads nothing else. Its statements:
    the UPDATE of the campaign with the UPDATE … RETURNING of the tasks it
    cancels (one statement), the INSERT of its events and new tasks, the
    summary figures, and the webhooks' outbox when someone listens."""
    from_stage = campaign.stage
    now = clock.now()
    entered_on, today = timezone.localtime(campaign.stage_entered_at).date(), timezone.localtime(now).date()
    # One calendar (the unit's) for the days spent in the stage and the new tasks' due dates.
    calendar = calendar_cached(stamp=_stamp(campaign), unit=campaign.responsible_unit,
                               start=min(entered_on, today), end=max(entered_on, today) + _TASK_HORIZON)
    days_in_stage = calendar.between(entered_on, today)
    getattr(campaign, declared.name)()  # the django-fsm-2 method: legality and guards once more
    campaign.stage_entered_at = now
    if campaign.stage in flows.CLOSED_STAGES:
        campaign.closed_at = now
    campaign.version += 1
    cancel = None
    if from_stage in flows.WORKING_STAGES:  # its open tasks are cancelled with the campaign's UPDATE
        why = _("Cancelled: the campaign moved from “%(from)s” to “%(to)s”.") % {
            "from": Stage(from_stage).label, "to": Stage(campaign.stage).label}
        cancel = (from_stage, actor, now, why)
    closed = _save_moved(campaign, cancel=cancel)
    event = _event_row(campaign, actor, EventKind.STAGE, note=note, from_stage=from_stage, to_stage=campaign.stage,
                       data={**(data or {}), "days_in_stage": days_in_stage}, at=now)
    batch, new = figures.Batch(), [*pending, event]  # what the form recorded, then the stage
    opened = []
    if campaign.stage in flows.WORKING_STAGES:
        tasks = _tasks_for_stage(campaign, campaign.stage, actor, now, calendar)
        new += tasks
        opened = [t.due_on for t in tasks]
    figures.tasks_changed(unit_id=campaign.responsible_unit_id, closed=closed, opened=opened, batch=batch)
    for step in then:
        step(batch, new)
    rows.insert(new)
    _announce(WebhookKind.CAMPAIGN_MOVED, campaign, event, transition=declared.name, from_stage=from_stage,
              to_stage=campaign.stage)
    event_id, campaign_id = event.pk, campaign.pk
    _enqueue("workflows.notifications.jobs.notify_stage_changed", event_id)
    for job in declared.jobs:  # callbacks of other apps: never silenced, unlike notifications
        jobs.after_commit(job, campaign_id)
    # the funnel counts a stage once per campaign: not again when it comes back to it
    figures.campaign_moved(batch, unit_id=campaign.responsible_unit_id, from_stage=from_stage,
                           entered_on=entered_on, to_stage=campaign.stage, on=today, working_days=days_in_stage,
                           campaign_id=campaign.pk, event_id=event.pk)
    # one statement, every table's rows in key order: transitions never lock these rows crosswise. It is
    # the move's last: the summary rows that every move of the unit's day shares are locked until the
    # commit, and nothing else waits in between
    batch.write()
    return event


def _enqueue(func: str, *args) -> None:
    """Queue a notification job for after the commit (none while notifications are silenced)."""
    if notify.paused():
        return
    jobs.after_commit(func, *args)


def _past_or_today(value: dt.date | None, message: str) -> None:
    if value is not None and value > clock.today():
        raise ValidationError(message)


# --- campaigns ------------------------------------------------------------------
@transaction.atomic
def campaign_open(*, enterprise_id: int, actor, working_group_id: int | None = None, note: str = "",
                  register: str = Register.FIGURES) -> Campaign:
    """Open a campaign for an enterprise that has no grassroots union and no
    open campaign (the database enforces the latter too). Supervisors of the
    enterprise's responsible unit only. The campaign starts at "surveyed";
    ``register``: its workers by name, or figures only (the screens open by
    name; figures only is the default of the service, as for every campaign
    opened before the register)."""
    if register not in Register.values:
        raise ValidationError({"register": _("Choose how the workers are recorded.")})
    enterprise = (Enterprise.objects.select_for_update(of=("self",)).select_related("responsible_unit")
                  .get(pk=enterprise_id))
    permissions.require_open_for(actor, enterprise)
    if enterprise.has_union:
        raise DomainError(_("“%(name)s” already has a grassroots union.") % {"name": enterprise.name})
    if Campaign.objects.filter(enterprise=enterprise, stage__in=flows.OPEN_STAGES).exists():
        raise DomainError(_("This enterprise already has an open campaign."))
    group = _group_for(actor, working_group_id, enterprise.responsible_unit) if working_group_id else None
    now = clock.now()
    campaign = Campaign(enterprise=enterprise, responsible_unit=enterprise.responsible_unit, working_group=group,
                        opened_at=now, stage_entered_at=now, workforce=enterprise.workforce, register=register)
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        raise DomainError(_("This enterprise already has an open campaign.")) from None
    event = _event(campaign, actor, EventKind.OPENED, note=note, to_stage=Stage.SURVEYED, at=now,
                   data={"working_group": group.name if group else ""})
    figures.campaign_opened(unit_id=campaign.responsible_unit_id, on=timezone.localtime(now).date())
    _tasks_create_for_stage(campaign, Stage.SURVEYED, actor, now)
    _announce(WebhookKind.CAMPAIGN_OPENED, campaign, event)
    return campaign


def _group_for(actor, working_group_id: int, unit: Unit) -> WorkingGroup:
    """An active working group the actor supervises, of the campaign's unit
    or a unit above it (a group of a sibling unit does not work its cases)."""
    group = WorkingGroup.objects.select_related("unit").filter(pk=working_group_id, is_active=True).first()
    if group is None or not scope_of(actor).supervises(group.unit.path) or not unit.path.startswith(group.unit.path):
        raise ValidationError({"working_group": _(
            "Choose an active working group of %(unit)s or of a unit above it.") % {"unit": unit.name}})
    return group


@transaction.atomic
def campaign_assign(*, campaign_id: int, working_group_id: int, actor, expected_version: int | None = None,
                    note: str = "") -> Campaign:
    """Give the campaign to a working group of a unit the supervisor
    supervises. Its open tasks follow; assignees outside the new group go
    back to the group's queue."""
    campaign = _lock(campaign_id)
    permissions.require(actor, Action.ASSIGN, campaign)
    _check_fresh(campaign, None, expected_version)
    if not campaign.is_open:
        raise DomainError(_("The campaign is closed."))
    group = _group_for(actor, working_group_id, campaign.responsible_unit)
    if group.pk == campaign.working_group_id:
        raise DomainError(_("The campaign is already assigned to “%(group)s”.") % {"group": group.name})
    previous = campaign.working_group
    campaign.working_group = group
    campaign.version += 1
    campaign.save()
    open_tasks = Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN)
    open_tasks.update(working_group=group)
    for assignee in User.objects.filter(pk__in=open_tasks.exclude(assignee=None).values("assignee")):
        if not permissions.may_hold_task(assignee, campaign):
            open_tasks.filter(assignee=assignee).update(assignee=None)
    event = _event(campaign, actor, EventKind.ASSIGNED, note=note, data={
        "from_group": previous.name if previous else "", "to_group": group.name, "to_group_id": group.pk})
    event_id = event.pk
    _enqueue("workflows.notifications.jobs.notify_campaign_assigned", event_id)
    return campaign


@transaction.atomic
def campaign_meeting_record(*, campaign_id: int, actor, held_on: dt.date, outcome: str, note: str = "",
                            attendees: str = "") -> CampaignEvent:
    """Record a meeting with the employer. The latest meeting's date and
    outcome are kept on the campaign (the first guard reads them)."""
    return _meeting_record(_lock(campaign_id), actor, held_on=held_on, outcome=outcome, note=note,
                           attendees=attendees)


def _meeting_record(campaign: Campaign, actor, *, held_on: dt.date, outcome: str, note: str = "",
                    attendees: str = "", pending: list[CampaignEvent] | None = None) -> CampaignEvent:
    """``pending``: a transition's events; the campaign is then saved with
    its stage and the event written with the stage event."""
    permissions.require(actor, Action.WORK, campaign)
    _require_working(campaign)
    if outcome not in MeetingOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the meeting.")})
    if held_on is None:
        raise ValidationError({"held_on": _("Give the date of the meeting.")})
    _past_or_today(held_on, _("A meeting cannot be recorded before it takes place."))
    if campaign.employer_met_on is None or held_on >= campaign.employer_met_on:
        campaign.employer_met_on, campaign.employer_meeting_outcome = held_on, outcome
    campaign.version += 1
    if pending is None:
        campaign.save()
    return _event(campaign, actor, EventKind.MEETING, note=note, data={
        "held_on": held_on.isoformat(), "outcome": outcome, "attendees": attendees.strip()}, pending=pending)


@transaction.atomic
def campaign_committee_record(*, campaign_id: int, actor, members: Sequence[CommitteeMemberData],
                              formed_on: dt.date | None = None, expected_version: int | None = None,
                              note: str = "") -> Campaign:
    """Replace the list of the mobilising committee's members."""
    return _committee_record(_lock(campaign_id), actor, members=members, formed_on=formed_on,
                             expected_version=expected_version, note=note)


def _committee_record(campaign: Campaign, actor, *, members: Sequence[CommitteeMemberData],
                      formed_on: dt.date | None = None, expected_version: int | None = None,
                      note: str = "", pending: list[CampaignEvent] | None = None) -> Campaign:
    """The committee as lines of text (a figures-only campaign, or the form
    of a case whose workers are not entered): each line is a worker of the
    enterprise — the one of that name not anonymised, else a new one."""
    permissions.require(actor, Action.WORK, campaign)
    _check_fresh(campaign, None, expected_version)
    _require_working(campaign)
    cleaned = [CommitteeMemberData(" ".join(m.full_name.split()), m.job_title.strip(), m.phone.strip(), m.is_head)
               for m in members]
    if any(not m.full_name for m in cleaned):
        raise ValidationError(_("Every committee member needs a name."))
    if sum(m.is_head for m in cleaned) > 1:
        raise ValidationError(_("The committee has one head."))
    _past_or_today(formed_on, _("The committee cannot be formed in the future."))
    # namesakes are common: each line takes the next worker of its name not taken yet, else a new one
    known: dict[str, list[Worker]] = {}
    for worker in Worker.objects.filter(enterprise_id=campaign.enterprise_id, anonymised_at__isnull=True,
                                        full_name__in=[m.full_name for m in cleaned]).order_by("pk"):
        known.setdefault(worker.full_name.casefold(), []).append(worker)
    seats = []
    for member in cleaned:
        namesakes = known.get(member.full_name.casefold())
        worker = namesakes.pop(0) if namesakes else people.worker_create(
            enterprise_id=campaign.enterprise_id, actor=actor, source=WorkerSource.COMMITTEE_LINE,
            data=WorkerData(full_name=member.full_name, job=member.job_title, phone=member.phone))
        seats.append(CommitteeMember(campaign=campaign, worker=worker, is_head=member.is_head))
    return _committee_seats_replace(campaign, actor, seats, formed_on=formed_on, note=note, pending=pending)


def _committee_seats_replace(campaign: Campaign, actor, seats: Sequence[CommitteeMember], *,
                             formed_on: dt.date | None, note: str = "",
                             pending: list[CampaignEvent] | None = None) -> Campaign:
    """``pending``: as ``_meeting_record``'s."""
    campaign.committee_members.all().delete()
    CommitteeMember.objects.bulk_create(seats)
    previous = campaign.committee_size
    derive(campaign)
    campaign.committee_formed_on = formed_on or campaign.committee_formed_on
    if campaign.register == Register.FIGURES:
        campaign.core_group = max(campaign.core_group, len(seats))
    campaign.version += 1
    if pending is None:
        campaign.save()
    _event(campaign, actor, EventKind.COMMITTEE, note=note, data={"size": [previous, len(seats)]}, pending=pending)
    return campaign


@transaction.atomic
def campaign_counts_record(*, campaign_id: int, actor, workforce: int | None = None, core_group: int | None = None,
                           applications: int | None = None, expected_version: int | None = None,
                           note: str = "") -> Campaign:
    """Record the case's counters; ``None`` leaves a counter as it is."""
    return _counts_record(_lock(campaign_id), actor, workforce=workforce, core_group=core_group,
                          applications=applications, expected_version=expected_version, note=note)


def _counts_record(campaign: Campaign, actor, *, workforce: int | None = None, core_group: int | None = None,
                   applications: int | None = None, expected_version: int | None = None,
                   note: str = "", pending: list[CampaignEvent] | None = None) -> Campaign:
    """``pending``: as ``_meeting_record``'s."""
    permissions.require(actor, Action.WORK, campaign)
    _check_fresh(campaign, None, expected_version)
    _require_working(campaign)
    new = {"workforce": workforce, "core_group": core_group, "applications": applications}
    errors = {name: _("Enter a whole number, zero or more.")
              for name, value in new.items() if value is not None and (not isinstance(value, int) or value < 0)}
    if errors:
        raise ValidationError(errors)
    if campaign.register == Register.NAMES and any(new[name] is not None and new[name] != getattr(campaign, name)
                                                   for name in DERIVED_BY_NAME if name in new):
        raise ValidationError(_("This campaign's workers are entered by name: its core group and applications "
                                "come from the register and cannot be typed in."))
    values = {name: getattr(campaign, name) if value is None else value for name, value in new.items()}
    if values["workforce"] and values["applications"] > values["workforce"]:
        raise ValidationError({"applications": _("There cannot be more applications than workers.")})
    changes = {name: [getattr(campaign, name), value] for name, value in values.items()
               if getattr(campaign, name) != value}
    if not changes:
        raise DomainError(_("Nothing changed."))
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.version += 1
    if pending is None:
        campaign.save()
    _event(campaign, actor, EventKind.COUNTS, note=note, data=changes, pending=pending)
    return campaign


def _grassroots_unit_create(campaign: Campaign, actor) -> Unit:
    """The CĐCS under the responsible unit, whose row ``_lock`` locked with
    the campaign's; its kind from this process's cache."""
    kind = grassroots_kind_cached(stamp=_stamp(campaign))
    if kind is None:
        raise DomainError(_("No grassroots unit kind is set up: ask the administrator."))
    name = _("Grassroots union of %(name)s") % {"name": campaign.enterprise.name}
    # The enterprise's name may already fill the column the unit's name goes in.
    return grassroots_unit_create(name=name[:Unit._meta.get_field("name").max_length],
                                  code=f"cdcs-{campaign.enterprise.tax_code}-{campaign.pk}", kind=kind,
                                  parent=campaign.responsible_unit, actor=actor, parent_locked=True)


@transaction.atomic
def campaign_note_add(*, campaign_id: int, actor, text: str) -> CampaignEvent:
    campaign = _lock(campaign_id)
    permissions.require(actor, Action.WORK, campaign)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("The note is empty.")})
    if len(text) > 10_000:
        raise ValidationError({"text": _("A note holds at most 10.000 characters.")})
    return _event(campaign, actor, EventKind.NOTE, note=text)


# --- tasks ----------------------------------------------------------------------
def _lock_task(task_id: int) -> Task:
    """Lock the task's campaign, then the task. Every write locks a campaign
    before touching its tasks (a transition cancels and creates them under
    the campaign's lock), and a task's new event needs the campaign row for
    its foreign key at commit: the same order everywhere means a task
    service and a transition of the same campaign wait for each other in
    turn instead of deadlocking."""
    campaign_id = Task.objects.filter(pk=task_id).values_list("campaign_id", flat=True).first()
    if campaign_id is None:
        raise Task.DoesNotExist
    list(Campaign.objects.select_for_update(of=("self",)).filter(pk=campaign_id).values_list("pk"))
    return (Task.objects.select_for_update(of=("self",))
            .select_related("campaign__responsible_unit", "assignee").get(pk=task_id))


def _require_open_task(task: Task) -> None:
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("This task is already closed (%(status)s).") % {"status": task.get_status_display()})


def _require_can_hold(user, campaign: Campaign) -> None:
    if user is None or not user.is_active or not permissions.may_hold_task(user, campaign):
        raise ValidationError({"assignee": _("%(name)s does not work on this campaign.") % {"name": _user_label(user)}})


def _require_within_reach(actor, receiver, campaigns, *, scope=None) -> None:
    """A supervisor gives work only to people within reach: the campaign's
    officers, or supervisors inside the actor's own subtrees (issue 12, #4:
    not the supervisor of the unit above, even when posted by hand)."""
    if not all(permissions.may_be_given_task_by(actor, receiver, c, scope=scope) for c in campaigns):
        raise ValidationError({"assignee": _("%(name)s is not among the people you may give these tasks to.")
                               % {"name": _user_label(receiver)}})


@transaction.atomic
def task_add(*, campaign_id: int, actor, title: str, due_on: dt.date, assignee_id: int | None = None,
             description: str = "") -> Task:
    """Add an ad-hoc task to the campaign's current stage."""
    campaign = _lock(campaign_id)
    permissions.require(actor, Action.WORK, campaign)
    return _task_add(campaign, actor, title=title, due_on=due_on, assignee_id=assignee_id, description=description)


def _task_add(campaign: Campaign, actor, *, title: str, due_on: dt.date, assignee_id: int | None = None,
              description: str = "", conversation_id: int | None = None) -> Task:
    _require_working(campaign)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("The task needs a title.")})
    if len(title) > 255:
        raise ValidationError({"title": _("At most %(limit)d characters.") % {"limit": 255}})
    if due_on is None or due_on < clock.today():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
    if assignee_id:
        _require_can_hold(assignee, campaign)
    now = clock.now()
    task = Task.objects.create(campaign=campaign, stage=campaign.stage, title=title, description=description.strip(),
                               assignee=assignee, working_group=campaign.working_group, due_on=due_on,
                               created_by=actor, created_at=now, conversation_id=conversation_id)
    figures.tasks_opened(unit_id=campaign.responsible_unit_id, due_dates=[due_on])
    event = _event(campaign, actor, EventKind.TASK_ADDED, at=now, data={
        "task": task.pk, "title": title, "due_on": due_on.isoformat(), "assignee": _user_label(assignee)})
    if assignee and assignee != actor:
        _enqueue("workflows.notifications.jobs.notify_task_assigned", task.pk, event.pk)
    return task


@transaction.atomic
def task_complete(*, task_id: int, actor, note: str = "", done_on: dt.date | None = None) -> Task:
    """Mark a task done (``done_on``: the day it was done, today by default).
    A milestone of a new union's first year needs its evidence (a note
    saying what was done) and a day between the recognition and today; its
    follow-up keeps the day, and stands on its own once every core
    milestone is done."""
    task = _lock_task(task_id)
    permissions.require_task(permissions.can_complete_task(actor, task))
    _require_open_task(task)
    now, today = clock.now(), clock.today()
    done_on = done_on or today
    if done_on > today:
        raise ValidationError({"done_on": _("A task cannot be done on a day in the future.")})
    follow_up = FollowUp.objects.filter(campaign_id=task.campaign_id).first() if task.milestone else None
    if follow_up is not None:
        if not note.strip():
            raise ValidationError({"note": _("Say what was done: the evidence of the milestone.")})
        if done_on < follow_up.opened_on:
            raise ValidationError({"done_on": _("A milestone is done on or after the recognition (%(day)s).") % {
                "day": follow_up.opened_on.strftime("%d/%m/%Y")}})
    task.status, task.closed_by, task.closed_at, task.closing_note = TaskStatus.DONE, actor, now, note.strip()
    task.done_on = done_on
    task.save(update_fields=["status", "closed_by", "closed_at", "closing_note", "done_on"])
    figures.tasks_closed(unit_id=task.campaign.responsible_unit_id, due_dates=[task.due_on])
    milestone = {"done_on": done_on.isoformat(), "milestone": task.milestone} if follow_up is not None else {}
    _event(task.campaign, actor, EventKind.TASK_DONE, note=note, at=now,
           data={"task": task.pk, "title": task.title, **milestone})
    if follow_up is not None:
        _follow_up_milestone_done(follow_up, task)
    return task


#: How long the person who completed a task may undo it (the toast offers it for a few seconds; the
#: page reached without JavaScript keeps the form until the window closes).
TASK_UNDO_WINDOW = dt.timedelta(minutes=10)


@transaction.atomic
def task_reopen(*, task_id: int, actor) -> Task:
    """Undo a task's completion: the task is open again, as it was.

    Only the person who completed it, within ``TASK_UNDO_WINDOW``, while the
    task is still done and the campaign has neither changed stage nor unit
    nor been given to another working group since (its history has no such
    event after the completion). A milestone of the first year is never
    undone here (its day and evidence were confirmed in its own form, and
    its follow-up keeps them).
    Idempotent: a task that is open already is returned as it is, nothing
    recorded."""
    task = _lock_task(task_id)
    permissions.require_task(permissions.can_complete_task(actor, task))
    if task.status == TaskStatus.OPEN:
        return task
    if task.status != TaskStatus.DONE:
        raise Conflict(_("This task was cancelled: it cannot be reopened."))
    if task.milestone:
        raise DomainError(_("A milestone of the first year cannot be undone."))
    if task.closed_by_id != actor.pk:
        raise DomainError(_("Only the person who completed the task may undo it."))
    now = clock.now()
    if task.closed_at is None or now - task.closed_at > TASK_UNDO_WINDOW:
        raise DomainError(_("The undo is possible for %(minutes)d minutes after completing a task: add a new task "
                            "instead.") % {"minutes": TASK_UNDO_WINDOW.seconds // 60})
    campaign = task.campaign
    since = set(CampaignEvent.objects.filter(
        campaign_id=campaign.pk, at__gte=task.closed_at,
        kind__in=(EventKind.STAGE, EventKind.TRANSFERRED, EventKind.ASSIGNED)).values_list("kind", flat=True))
    if since & {EventKind.STAGE, EventKind.TRANSFERRED} or campaign.stage != task.stage:
        raise Conflict(_("The campaign has moved since the task was completed: it cannot be reopened."))
    # the campaign's open tasks went with it to the new group (campaign_assign): this one would stay behind
    if EventKind.ASSIGNED in since or campaign.working_group_id != task.working_group_id:
        raise Conflict(_("The campaign was given to another working group since the task was completed: it "
                         "cannot be reopened."))
    task.status, task.closed_by, task.closed_at, task.closing_note, task.done_on = TaskStatus.OPEN, None, None, "", None
    task.save(update_fields=["status", "closed_by", "closed_at", "closing_note", "done_on"])
    figures.tasks_opened(unit_id=campaign.responsible_unit_id, due_dates=[task.due_on])
    _event(campaign, actor, EventKind.TASK_REOPENED, at=now, data={"task": task.pk, "title": task.title})
    return task


def _follow_up_milestone_done(follow_up: FollowUp, task: Task) -> None:
    changed = []
    field = MILESTONE_DATES.get(task.milestone)
    if field and getattr(follow_up, field) is None:
        setattr(follow_up, field, task.done_on)
        changed.append(field)
    core = Task.objects.filter(campaign_id=follow_up.campaign_id, stage=Stage.RECOGNISED, is_core=True)
    if follow_up.standing_on is None and core.exists() and not core.exclude(status=TaskStatus.DONE).exists():
        follow_up.standing_on = max(core.values_list("done_on", flat=True))
        changed.append("standing_on")
    if changed:
        follow_up.save(update_fields=changed)


@transaction.atomic
def follow_up_fail(*, campaign_id: int, actor, reason: str, on: dt.date, members_lost: int = 0,
                   note: str = "") -> FollowUp:
    """Record that a new grassroots union failed in its first year (or was
    dissolved), by supervisors of its upper-level unit: the reason, the day
    and the members lost; its open milestones are cancelled. (The members
    lost are entered as a movement by ``statistics.services.follow_up_failed``,
    which calls this.)"""
    campaign = _lock(campaign_id)
    permissions.require(actor, Action.FAIL, campaign)
    follow_up = FollowUp.objects.select_for_update().filter(campaign=campaign).first()
    if follow_up is None:
        raise DomainError(_("This campaign has no first-year follow-up."))
    if follow_up.failed_on:
        raise Conflict(_("This grassroots union is already recorded as failed."))
    if reason not in FailureReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    if reason == FailureReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why the grassroots union failed.")})
    if on is None or not follow_up.opened_on <= on <= clock.today():
        raise ValidationError({"on": _("Give a day between the recognition and today.")})
    if not isinstance(members_lost, int) or not 0 <= members_lost <= 1_000_000:
        raise ValidationError({"members_lost": _("Give a number of members from 0 to 1.000.000.")})
    now = clock.now()
    follow_up.failed_on, follow_up.failure_reason, follow_up.failure_note = on, reason, note.strip()
    follow_up.members_lost = members_lost
    follow_up.save(update_fields=["failed_on", "failure_reason", "failure_note", "members_lost"])
    why = _("Cancelled: the grassroots union failed.")
    figures.tasks_closed(unit_id=campaign.responsible_unit_id,
                         due_dates=_tasks_cancel_for_stage(campaign, Stage.RECOGNISED, actor, now, why))
    _event(campaign, actor, EventKind.FOLLOW_UP_FAILED, note=note, at=now, data={
        "reason": reason, "on": on.isoformat(), "members_lost": members_lost})
    return follow_up


@transaction.atomic
def task_claim(*, task_id: int, actor) -> Task:
    """An officer takes a task from the group's queue."""
    task = _lock_task(task_id)
    permissions.require_task(permissions.can_claim_task(actor, task))
    _require_open_task(task)
    if task.assignee_id is not None:
        raise Conflict(_("%(name)s has already taken this task.") % {"name": _user_label(task.assignee)})
    task.assignee = actor
    task.save(update_fields=["assignee"])
    _event(task.campaign, actor, EventKind.TASK_REASSIGNED, data={
        "task": task.pk, "title": task.title, "from": "", "to": _user_label(actor), "to_id": actor.pk})
    return task


@transaction.atomic
def task_reassign(*, task_id: int, actor, assignee_id: int | None, note: str = "") -> Task:
    """A supervisor gives the task to another person who works the campaign,
    or (``assignee_id=None``) back to the working group's queue."""
    task = _lock_task(task_id)
    permissions.require_task(permissions.can_reassign_task(actor, task))
    _require_open_task(task)
    assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
    if assignee_id:
        _require_can_hold(assignee, task.campaign)
        _require_within_reach(actor, assignee, [task.campaign])
    if task.assignee_id == (assignee.pk if assignee else None):
        raise DomainError(_("The task is already assigned that way."))
    previous = task.assignee
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    event = _event(task.campaign, actor, EventKind.TASK_REASSIGNED, note=note, data={
        "task": task.pk, "title": task.title, "from": _user_label(previous), "to": _user_label(assignee),
        "to_id": assignee.pk if assignee else None})
    if assignee is not None:
        _enqueue("workflows.notifications.jobs.notify_task_assigned", task.pk, event.pk)
    return task


@dataclass(frozen=True)
class BulkReassignResult:
    moved: int
    to_user_id: int


@transaction.atomic
def tasks_bulk_reassign(*, actor, to_user_id: int, task_ids: Iterable[int] | None = None,
                        from_user_id: int | None = None, note: str = "") -> BulkReassignResult:
    """Move many open tasks to one person: a chosen list (``task_ids``), or
    every open task of ``from_user_id`` that the supervisor may reassign.
    All or nothing: if any chosen task may not be moved, nothing moves."""
    if (task_ids is None) == (from_user_id is None):
        raise ValueError("give either task_ids or from_user_id")
    scope = scope_of(actor)
    if not scope.supervised:  # before anything else: a refusal must not tell which accounts exist
        raise PermissionDenied
    to_user = User.objects.filter(pk=to_user_id, is_active=True).first()
    if to_user is None:
        raise ValidationError({"assignee": _("Choose an active user to receive the tasks.")})
    base = Task.objects.select_for_update(of=("self",)).select_related("campaign__responsible_unit")
    chosen = (Task.objects.filter(pk__in=set(task_ids)) if task_ids is not None
              else Task.objects.filter(assignee_id=from_user_id, status=TaskStatus.OPEN))
    # the campaigns before their tasks, in id order (see _lock_task)
    list(Campaign.objects.select_for_update(of=("self",)).filter(pk__in=chosen.values("campaign_id"))
         .order_by("pk").values_list("pk"))
    if task_ids is not None:
        ids = sorted(set(task_ids))
        tasks = list(base.filter(pk__in=ids).order_by("pk"))
        if len(tasks) != len(ids) or not all(permissions.can_reassign_task(actor, t, scope=scope) for t in tasks):
            raise PermissionDenied
        closed = [t for t in tasks if t.status != TaskStatus.OPEN]
        if closed:
            raise Conflict(_("%(count)d of the chosen tasks were closed in the meantime; nothing was moved.")
                           % {"count": len(closed)})
    else:
        if from_user_id == to_user_id:
            raise ValidationError({"assignee": _("Choose someone else to receive the tasks.")})
        tasks = [t for t in base.filter(assignee_id=from_user_id, status=TaskStatus.OPEN).order_by("pk")
                 if permissions.can_reassign_task(actor, t, scope=scope)]
    tasks = [t for t in tasks if t.assignee_id != to_user.pk]
    outsiders = {t.campaign_id for t in tasks if not permissions.may_hold_task(to_user, t.campaign)}
    if outsiders:
        raise ValidationError({"assignee": _(
            "%(name)s does not work on %(count)d of these campaigns; nothing was moved.")
            % {"name": _user_label(to_user), "count": len(outsiders)}})
    _require_within_reach(actor, to_user, {t.campaign_id: t.campaign for t in tasks}.values(), scope=scope)
    previous = {u.pk: _user_label(u) for u in User.objects.filter(pk__in={t.assignee_id for t in tasks} - {None})}
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=to_user)
    now = clock.now()
    events = CampaignEvent.objects.bulk_create([
        CampaignEvent(campaign_id=t.campaign_id, unit_id=t.campaign.responsible_unit_id,
                      kind=EventKind.TASK_REASSIGNED, at=now, actor=actor,
                      note=note.strip(), data={"task": t.pk, "title": t.title,
                                               "from": previous.get(t.assignee_id, ""),
                                               "to": _user_label(to_user), "to_id": to_user.pk})
        for t in tasks
    ])
    moved_ids = [t.pk for t in tasks]
    if moved_ids:
        first_event = min(e.pk for e in events)  # the notification's key: once per bulk move
        _enqueue("workflows.notifications.jobs.notify_tasks_assigned",
                                               to_user.pk, moved_ids, first_event)
    return BulkReassignResult(moved=len(tasks), to_user_id=to_user.pk)


# --- transitions ----------------------------------------------------------------
@transaction.atomic
def campaign_transition(*, campaign_id: int, name: str, actor, data: Mapping | None = None,
                        expected_stage: str | None = None, expected_version: int | None = None) -> Campaign:
    """Take the transition ``name`` of ``flows.TRANSITIONS``, with the values
    its form collects (``data``; ``note`` among them).

    In order: lock the campaign; the actor needs the transition's action
    (``PermissionDenied``); the campaign is still at ``expected_stage``
    (``Conflict``); the transition leaves its stage (``IllegalTransition``);
    what it records is recorded (``ValidationError`` on a refused value);
    its guards, from the rule set in force, and the reason it may require
    are met (``GuardNotMet``, every sentence at once); then its effects, the
    stage change, the event, the summary figures, the tasks, and its jobs
    after the commit. A refusal writes nothing."""
    declared = flows.TRANSITIONS.get(name)
    campaign = _lock(campaign_id, with_unit=declared is not None and Effect.GRASSROOTS_UNIT in declared.effects)
    permissions.require(actor, declared.action if declared else Action.WORK, campaign)
    _check_fresh(campaign, expected_stage, expected_version)
    declared = flows.transition_from(campaign.stage, name)
    # the rule set in force, from this process's cache for the stamp read with the lock
    campaign.__dict__["rules"] = rules_in_force_cached(stamp=_stamp(campaign), on=clock.today(),
                                                       unit=campaign.responsible_unit)
    data = dict(data or {})
    note = data.get("note") or ""
    recorded: dict = {}
    pending: list[CampaignEvent] = []  # written with the stage event, in one statement
    for record in declared.records:
        recorded |= _RECORDERS[record](campaign, actor, data, pending)
    unmet = declared.unmet(campaign, campaign.rules) + declared.reason_missing(note)
    if unmet:
        raise GuardNotMet(*unmet)
    then = []
    for effect in declared.effects:
        extra, after = _EFFECTS[effect](campaign, actor)
        recorded |= extra
        then.append(after)
    _transition(campaign, declared, actor, note=note, data=recorded, then=then, pending=pending)
    return campaign


# What a transition records besides the stage (``flows.Record``): each takes
# the locked campaign, the actor, the form's values and the transition's
# pending events (what it records is saved with the stage, its events
# written with the stage event), and returns what the stage event keeps.
def _record_meeting(campaign: Campaign, actor, data: Mapping, pending: list[CampaignEvent]) -> dict:
    """The meeting with the employer, when the form brings one (otherwise
    the guard reads the meeting recorded before)."""
    if data.get("held_on") is None and not data.get("outcome"):
        return {}
    _meeting_record(campaign, actor, held_on=data.get("held_on"), outcome=data.get("outcome") or "",
                    pending=pending)
    return {}


def _record_committee(campaign: Campaign, actor, data: Mapping, pending: list[CampaignEvent]) -> dict:
    if campaign.register == Register.NAMES:
        # the committee was chosen from the workers; the form only dates it
        _past_or_today(data.get("formed_on"), _("The committee cannot be formed in the future."))
        campaign.committee_formed_on = data.get("formed_on") or campaign.committee_formed_on
        derive(campaign)
        return {}
    if data.get("members") is None:
        return {}
    _committee_record(campaign, actor, members=data["members"], formed_on=data.get("formed_on"), pending=pending)
    return {}


def _record_applications(campaign: Campaign, actor, data: Mapping, pending: list[CampaignEvent]) -> dict:
    if campaign.register == Register.NAMES:
        derive(campaign)  # the standing applications of the register
        return {}
    applications = data.get("applications")
    if applications is not None and applications != campaign.applications:
        _counts_record(campaign, actor, applications=applications, pending=pending)
    return {}


def _record_congress_date(campaign: Campaign, actor, data: Mapping, pending: list[CampaignEvent]) -> dict:
    congress_on = data.get("congress_on")
    _past_or_today(congress_on, _("The founding congress cannot be recorded before it is held."))
    campaign.congress_on = congress_on
    return {"congress_on": congress_on.isoformat() if congress_on else None}


def _record_decision(campaign: Campaign, actor, data: Mapping, pending: list[CampaignEvent]) -> dict:
    decision_number, decision_date = data.get("decision_number"), data.get("decision_date")
    admitted_members = data.get("admitted_members")
    if decision_date is not None and decision_date > clock.today():
        raise ValidationError({"decision_date": _("The decision date cannot be in the future.")})
    if decision_date is not None and campaign.congress_on and decision_date < campaign.congress_on:
        raise ValidationError({"decision_date": _("The decision cannot predate the founding congress.")})
    if campaign.register == Register.NAMES:
        derive(campaign)  # the members the congress admitted, by name
        admitted_members = campaign.admitted_members
    if not isinstance(admitted_members, int) or admitted_members < 0:
        raise ValidationError({"admitted_members": _("Enter a whole number, zero or more.")})
    campaign.decision_number = (decision_number or "").strip()
    campaign.decision_date = decision_date
    campaign.admitted_members = admitted_members
    return {"decision_number": campaign.decision_number,
            "decision_date": decision_date.isoformat() if decision_date else None,
            "admitted_members": admitted_members}


def _record_abandon_reason(campaign: Campaign, actor, data: Mapping, pending: list[CampaignEvent]) -> dict:
    reason = data.get("reason") or ""
    campaign.abandon_reason, campaign.abandon_note = reason, (data.get("note") or "").strip()
    return {"reason": reason}


_RECORDERS: dict[Record, Callable[[Campaign, object, Mapping, list[CampaignEvent]], dict]] = {
    Record.MEETING: _record_meeting,
    Record.COMMITTEE: _record_committee,
    Record.APPLICATIONS: _record_applications,
    Record.CONGRESS_DATE: _record_congress_date,
    Record.DECISION: _record_decision,
    Record.ABANDON_REASON: _record_abandon_reason,
}


# What a transition does once its guards are met (``flows.Effect``): what the
# stage event keeps, and a step taken after the stage change (given the
# transition's batch of summary figures, written after it).
def _found_grassroots_unit(campaign: Campaign, actor) -> tuple[dict, After]:
    """The new grassroots union (CĐCS) is created under the responsible unit
    before the stage changes (the event names it); after it the enterprise
    is marked as having a union (its band with the transition's figures),
    the admitted members are counted, and the first year opens."""
    campaign.recognised_unit = _grassroots_unit_create(campaign, actor)

    def after(batch: figures.Batch, new: list) -> None:
        enterprise_mark_unionised(enterprise=campaign.enterprise, union_unit=campaign.recognised_unit,
                                  add=batch.add)
        figures.union_founded(unit_id=campaign.responsible_unit_id, on=campaign.decision_date,
                              members=campaign.admitted_members, batch=batch)
        _follow_up_open(campaign, actor, batch, new)
    return {"unit_id": campaign.recognised_unit.pk}, after


def _follow_up_open(campaign: Campaign, actor, batch: figures.Batch, new: list) -> FollowUp:
    """The recognition opens the new union's first year: its follow-up
    (as long as the rule set in force today says, 12 months by default:
    the campaign's ``rules``) and the checklist of stage "recognised", due
    in working days of the unit's calendar, for the working group that
    founded it: added to the transition's ``new`` rows, their figures to
    its ``batch``."""
    today = clock.today()
    rules = campaign.rules
    follow_up = FollowUp(
        campaign=campaign, unit=campaign.recognised_unit, opened_on=today,
        ends_on=today + relativedelta(months=rules.follow_up_months),
        dues_due_by=today + relativedelta(months=rules.dues_within_months))
    tasks = _tasks_for_stage(campaign, Stage.RECOGNISED, actor, clock.now())
    new += [follow_up, *tasks]
    figures.tasks_opened(unit_id=campaign.responsible_unit_id, due_dates=[t.due_on for t in tasks], batch=batch)
    return follow_up


def _admit(campaign: Campaign, actor) -> tuple[dict, After]:
    """The founding congress admits every standing application of a campaign
    whose workers are entered by name, on the congress's day."""
    if campaign.register != Register.NAMES:
        return {}, _nothing
    admitted = Application.objects.filter(campaign=campaign, withdrawn_on__isnull=True,
                                          admitted_on__isnull=True).update(admitted_on=campaign.congress_on)
    derive(campaign)
    return {"admitted": admitted}, _nothing


def _admission_undo(campaign: Campaign, actor) -> tuple[dict, After]:
    """The congress was called off: nobody stays admitted."""
    if campaign.register != Register.NAMES:
        return {}, _nothing
    Application.objects.filter(campaign=campaign, admitted_on__isnull=False).update(admitted_on=None)
    derive(campaign)
    return {}, _nothing


def _nothing(batch: figures.Batch, new: list) -> None:
    """No step after the stage change."""


_EFFECTS: dict[Effect, Callable[[Campaign, object], tuple[dict, After]]] = {
    Effect.GRASSROOTS_UNIT: _found_grassroots_unit,
    Effect.ADMISSION: _admit,
    Effect.ADMISSION_UNDONE: _admission_undo,
}


# --- a unit's open campaigns to another unit ----------------------------------------
#: Campaigns and tasks moved per statement (bounded parameter lists).
_TRANSFER_CHUNK = 2_000


@transaction.atomic
def campaigns_transfer(*, from_unit_id: int, to_unit_id: int, actor, on: dt.date) -> int:
    """Give the open campaigns of ``from_unit`` (on hold included) to
    ``to_unit`` (a unit closing into its successor, on ``on``):
    administrators of both units. Returns how many moved.

    Under the campaigns' row locks (id order, as every campaign write takes
    them): each campaign's responsible unit changes and its version moves on
    (a form read before is refused as stale); one ``TRANSFERRED`` event per
    campaign, written with the new unit, marks the moment. The events before
    it keep the unit they happened at, and so do the figures counted from
    them (funnel, abandoned, time in stage): only the current-state rows
    (``StageCohort``, ``TaskDueCount``) move. The working group and the
    tasks' assignees stay: the closing moves the unit's working groups with
    it, and a group of a unit above keeps its campaigns. Recognised and
    abandoned campaigns stay where they ended. A dossier under review keeps
    its review steps; who may verify and decide it is read from the new unit."""
    from_unit, to_unit = units_lock_for_transfer(actor=actor, from_unit_id=from_unit_id, to_unit_id=to_unit_id)
    # NO KEY UPDATE: it waits for every campaign write (FOR UPDATE) and they wait for it, but a
    # transaction whose new rows refer to these campaigns (checked at its commit) goes through.
    rows = list(Campaign.objects.select_for_update(of=("self",), no_key=True)
                .filter(responsible_unit_id=from_unit.pk, stage__in=flows.OPEN_STAGES)
                .order_by("pk").values_list("pk", "stage", "stage_entered_at"))
    if not rows:
        return 0
    now = clock.now()
    data = {"from_unit": from_unit.name, "from_unit_id": from_unit.pk, "to_unit": to_unit.name,
            "to_unit_id": to_unit.pk, "on": on.isoformat()}
    due_dates: list[dt.date] = []
    for chunk in [rows[i:i + _TRANSFER_CHUNK] for i in range(0, len(rows), _TRANSFER_CHUNK)]:
        ids = [pk for pk, _stage, _entered in chunk]
        Campaign.objects.filter(pk__in=ids).update(responsible_unit_id=to_unit.pk, version=F("version") + 1)
        due_dates += Task.objects.filter(campaign_id__in=ids, status=TaskStatus.OPEN).values_list("due_on", flat=True)
        CampaignEvent.objects.bulk_create([
            CampaignEvent(campaign_id=pk, unit_id=to_unit.pk, kind=EventKind.TRANSFERRED, at=now, actor=actor,
                          data=data) for pk in ids])
    figures.campaigns_transferred(
        from_unit_id=from_unit.pk, to_unit_id=to_unit.pk, due_dates=due_dates,
        cohorts=[(stage, timezone.localtime(entered).date()) for _pk, stage, entered in rows])
    return len(rows)


# --- a person who leaves, a working group that closes (administration) ---------------
@dataclass(frozen=True)
class ReleaseResult:
    moved: int
    to_user_id: int | None


@transaction.atomic
def tasks_release_of(*, person_id: int, actor, to_user_id: int | None, note: str = "") -> ReleaseResult:
    """Hand every open task of ``person_id`` (a person who leaves) to
    ``to_user_id``, or (None) back to the queue of its campaign's working
    group: an administrator of the person; ``actor`` None is the system (a
    collaborator's end date passed). All or nothing: the receiver must be
    able to hold every one of them (``permissions.may_hold_task``). One
    ``TASK_REASSIGNED`` event per task, as ``tasks_bulk_reassign`` writes
    them, and one notification to the receiver after the commit."""
    person = User.objects.get(pk=person_id)
    if actor is not None:
        require_administer_person(actor, person)
    to_user = None
    if to_user_id is not None:
        to_user = User.objects.filter(pk=to_user_id, is_active=True).first()
        if to_user is None or to_user.pk == person.pk:
            raise ValidationError({"receiver": _("Choose an active person, other than %(name)s, to receive the "
                                                 "tasks.") % {"name": _user_label(person)}})
    chosen = Task.objects.filter(assignee_id=person.pk, status=TaskStatus.OPEN)
    # the campaigns before their tasks, in id order (see _lock_task)
    list(Campaign.objects.select_for_update(of=("self",)).filter(pk__in=chosen.values("campaign_id"))
         .order_by("pk").values_list("pk"))
    tasks = list(chosen.select_for_update(of=("self",)).select_related("campaign__responsible_unit").order_by("pk"))
    if to_user is not None:
        outsiders = {t.campaign_id for t in tasks if not permissions.may_hold_task(to_user, t.campaign)}
        if outsiders:
            raise ValidationError({"receiver": _(
                "%(name)s does not work on %(count)d of these campaigns; nothing was moved.")
                % {"name": _user_label(to_user), "count": len(outsiders)}})
    if not tasks:
        return ReleaseResult(moved=0, to_user_id=to_user.pk if to_user else None)
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=to_user)
    now = clock.now()
    events = CampaignEvent.objects.bulk_create([
        CampaignEvent(campaign_id=t.campaign_id, unit_id=t.campaign.responsible_unit_id,
                      kind=EventKind.TASK_REASSIGNED, at=now, actor=actor, note=note.strip(),
                      data={"task": t.pk, "title": t.title, "from": _user_label(person),
                            "to": _user_label(to_user), "to_id": to_user.pk if to_user else None})
        for t in tasks
    ])
    if to_user is not None:
        moved_ids, first_event = [t.pk for t in tasks], min(e.pk for e in events)
        _enqueue("workflows.notifications.jobs.notify_tasks_assigned",
                                               to_user.pk, moved_ids, first_event)
    return ReleaseResult(moved=len(tasks), to_user_id=to_user.pk if to_user else None)


@transaction.atomic
def campaigns_regroup(*, from_group_id: int, to_group_id: int | None, actor) -> int:
    """Give the open campaigns (on hold included) of the working group
    ``from_group_id`` (a group that closes) to ``to_group_id``, another open
    group of the same unit, or (None) to no group: the unit's supervisors
    then assign them. Those who manage the unit's working groups
    (``require_manage_groups``). Returns how many moved.

    Under the campaigns' row locks (id order): the campaign's version moves
    on, its open tasks follow it (a task in the old group's queue waits in
    the new one's), an assignee who may no longer hold a task gives it back
    to the queue (as ``campaign_assign`` does); one ``ASSIGNED`` event per
    campaign. Recognised and abandoned campaigns keep the group they ended in."""
    wanted = {from_group_id} | ({to_group_id} if to_group_id is not None else set())
    groups = {g.pk: g for g in WorkingGroup.objects.select_related("unit").filter(pk__in=wanted)}
    source = groups.get(from_group_id)
    if source is None:
        raise PermissionDenied
    require_manage_groups(actor, source.unit)
    target = None
    if to_group_id is not None:
        target = groups.get(to_group_id)
        if target is None or target.pk == source.pk or target.unit_id != source.unit_id or not target.is_active:
            raise ValidationError({"to_group": _("Choose another open working group of %(unit)s.")
                                   % {"unit": source.unit.name}})
    campaigns = list(Campaign.objects.select_for_update(of=("self",)).select_related("responsible_unit")
                     .filter(working_group_id=source.pk, stage__in=flows.OPEN_STAGES).order_by("pk"))
    if not campaigns:
        return 0
    ids = [c.pk for c in campaigns]
    Campaign.objects.filter(pk__in=ids).update(working_group=target, version=F("version") + 1)
    open_tasks = Task.objects.filter(campaign_id__in=ids, status=TaskStatus.OPEN)
    open_tasks.update(working_group=target)
    by_id = {}
    for campaign in campaigns:
        campaign.working_group = target
        by_id[campaign.pk] = campaign
    held = list(open_tasks.exclude(assignee=None).values_list("pk", "campaign_id", "assignee_id"))
    holders = {u.pk: u for u in User.objects.filter(pk__in={user_id for _pk, _c, user_id in held})}
    released = [pk for pk, campaign_id, user_id in held
                if not permissions.may_hold_task(holders[user_id], by_id[campaign_id])]
    if released:
        Task.objects.filter(pk__in=released).update(assignee=None)
    now = clock.now()
    events = CampaignEvent.objects.bulk_create([
        CampaignEvent(campaign_id=c.pk, unit_id=c.responsible_unit_id, kind=EventKind.ASSIGNED, at=now, actor=actor,
                      data={"from_group": source.name, "to_group": target.name if target else "",
                            "to_group_id": target.pk if target else None})
        for c in campaigns
    ])
    if target is not None:
        for event_id in [e.pk for e in events]:
            _enqueue("workflows.notifications.jobs.notify_campaign_assigned", event_id)
    return len(campaigns)


# --- opening a campaign from a survey visit (issue 16) ----------------------------------------


@transaction.atomic
def campaign_open_from_visit(*, visit_id: int, actor, working_group_id: int | None = None,
                             register: str = Register.NAMES) -> Campaign:
    """Open the campaign of the visited enterprise (``campaign_open``: its
    supervisors; refused if the enterprise has a union or an open campaign)
    and record the workforce the visit counted on it, so that the stage
    *surveyed* starts with the surveyed figure. The working group defaults
    to the visit's team when the actor may give the case to it; the
    workers are kept by name, as a campaign opened from the screens. One
    transaction: nothing is written if either step is refused."""
    visit = SurveyVisit.objects.select_related("enterprise__responsible_unit", "team__unit").get(pk=visit_id)
    if Campaign.objects.filter(enterprise_id=visit.enterprise_id, stage__in=flows.OPEN_STAGES).exists():
        permissions.require_open_for(actor, visit.enterprise)
        raise DomainError(_("“%(name)s” already has an open campaign: open it from the campaign's page.")
                          % {"name": visit.enterprise.name})
    if working_group_id is None and visit.team is not None:
        team, unit = visit.team, visit.enterprise.responsible_unit
        if team.is_active and scope_of(actor).supervises(team.unit.path) and unit.path.startswith(team.unit.path):
            working_group_id = team.pk
    note = _("Opened from the survey visit of %(day)s.") % {"day": visit.visited_on.strftime("%d/%m/%Y")}
    campaign = campaign_open(enterprise_id=visit.enterprise_id, actor=actor, working_group_id=working_group_id,
                             note=note, register=register)
    if campaign.workforce != visit.workforce:
        _counts_record(campaign, actor, workforce=visit.workforce, note=note)
    return campaign
