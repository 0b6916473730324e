"""Reads of the administration screens: page contexts as frozen dataclasses."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _, gettext_lazy
from viewflow.workflow.models import Task as FlowTask

from workflows.accounts.selectors import has_second_factor
from workflows.campaigns.flows import OPEN_STAGES
from workflows.campaigns.models import Campaign, Task, TaskStatus
from workflows.campaigns.selectors import officers_by_group, supervisors_by_unit_path
from workflows.core import clock
from workflows.enterprises.models import Enterprise
from workflows.organisation.models import (
    ChangeRecord,
    Profile,
    Unit,
    UnitKind,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import (
    Role,
    can_administer_person,
    can_administer_unit,
    can_manage_groups,
    people_administered_by,
    require_administer_unit,
    scope_of,
    units_administered_by,
    working_groups_managed_by,
)
from workflows.organisation.selectors import Administration, administration_for, group_members, groups_supervised_by
from workflows.organisation.services import role_label
from workflows.recognition import permissions as review_permissions
from workflows.recognition.duties import DECIDE, VERIFY, reviewers_of
from workflows.recognition.flows import RecognitionFlow
from workflows.recognition.models import Dossier, DossierStatus

from .closing import active_children, closing_refusals, open_campaigns_of
from .permissions import can_administer_units, can_manage_some_groups


# --- closing a unit -------------------------------------------------------------------
@dataclass(frozen=True)
class ClosingPreview:
    """What closing ``unit`` into ``successor`` would move, for the
    confirmation page; ``refusals`` say why it may not be done (empty: it may)."""

    unit: Unit
    successor: Unit
    on: dt.date
    enterprises: int
    campaigns: int  # open ones, on hold included
    tasks: int  # their open tasks, which keep their assignees
    working_groups: int
    people: int
    child_units: int  # grassroots unions that go under the successor
    dossiers_under_review: int  # their review steps stay as they are
    refusals: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals


def closing_preview(user, unit: Unit, successor: Unit, *, on: dt.date | None = None) -> ClosingPreview:
    """The counts ``workflows.administration.closing.unit_close`` would move
    (``PermissionDenied`` unless ``user`` administers both units)."""
    require_administer_unit(user, unit)
    require_administer_unit(user, successor)
    on = on or clock.today()
    campaigns = open_campaigns_of(unit)
    return ClosingPreview(
        unit=unit, successor=successor, on=on,
        enterprises=Enterprise.objects.filter(responsible_unit=unit).count(),
        campaigns=campaigns.count(),
        tasks=Task.objects.filter(campaign__in=campaigns, status=TaskStatus.OPEN).count(),
        working_groups=WorkingGroup.objects.filter(unit=unit, is_active=True).count(),
        people=Profile.objects.filter(unit=unit).count(),
        child_units=sum(1 for child in active_children(unit) if child.kind.is_grassroots),
        dossiers_under_review=Dossier.objects.filter(
            campaign__in=campaigns, status__in=[DossierStatus.SUBMITTED, DossierStatus.VERIFIED]).count(),
        refusals=tuple(closing_refusals(unit, successor, on=on)),
    )


# --- administration pages: history ------------------------------------------------------
#: What the keys of a history entry's before/after are called on the screens.
_CHANGE_FIELDS = {
    "name": gettext_lazy("name"), "code": gettext_lazy("code"), "kind": gettext_lazy("kind"),
    "parent": gettext_lazy("parent unit"), "unit": gettext_lazy("unit"), "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone"), "position": gettext_lazy("position"), "username": gettext_lazy("user name"),
    "collaborator": gettext_lazy("collaborator"), "access_until": gettext_lazy("access until"),
    "active": gettext_lazy("active"), "on": gettext_lazy("on"), "closed_on": gettext_lazy("closed on"),
    "successor": gettext_lazy("successor"), "role": gettext_lazy("role"),
    "working_group": gettext_lazy("working group"), "working_groups": gettext_lazy("working groups"),
    "leader": gettext_lazy("leader"), "people": gettext_lazy("people"),
    "roles_revoked": gettext_lazy("roles revoked"), "enterprises": gettext_lazy("enterprises"),
    "campaigns": gettext_lazy("open campaigns"), "tasks": gettext_lazy("open tasks"),
    "child_units": gettext_lazy("grassroots unions"),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _shown(key: str, value) -> str:
    """A value of a history entry as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key == "role":
        return role_label(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
    return str(value)


@dataclass(frozen=True)
class HistoryRow:
    """One entry of the organisation's history, as the pages show it."""

    at: dt.datetime
    actor: str  # empty: the system
    action: str
    summary: str
    changes: tuple[tuple[str, str, str], ...]  # (what, before, after)


def history_rows(records) -> list[HistoryRow]:
    """``records``: ``ChangeRecord`` rows read with their actor."""
    rows = []
    for record in records:
        keys = [key for key in dict.fromkeys([*record.before, *record.after]) if not key.endswith("_id")]
        changes = tuple((str(_CHANGE_FIELDS.get(key, key)), _shown(key, record.before.get(key)),
                         _shown(key, record.after.get(key))) for key in keys)
        actor = (record.actor.get_full_name() or record.actor.get_username()) if record.actor else ""
        rows.append(HistoryRow(record.at, actor, record.get_action_display(), record.summary, changes))
    return rows


def history_of(*, unit: Unit | None = None, person=None, group: WorkingGroup | None = None
               ) -> QuerySet[ChangeRecord]:
    """The history of a unit, a person or a working group, newest first
    (paginate it, then ``history_rows``)."""
    records = ChangeRecord.objects.select_related("actor").order_by("-at", "-pk")
    if unit is not None:
        return records.filter(unit=unit)
    if person is not None:
        return records.filter(person=person)
    return records.filter(working_group=group)


# --- administration pages: shared ------------------------------------------------------------
def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _current_access(prefix: str = "") -> Q:
    today = clock.today()
    return Q(**{f"{prefix}profile__access_until__isnull": True}) | Q(**{f"{prefix}profile__access_until__gte": today})


def units_to_choose(user, *, exclude_under: Unit | None = None, keep: Unit | None = None) -> list[tuple[int, str]]:
    """The open upper-level units ``user`` administers, as choices (a
    person's unit, a new parent, a successor); grassroots unions are left
    out, as in every unit picker, but ``keep`` (a person's unit now).
    ``exclude_under``: leave out that unit's subtree."""
    shown = Q(kind__is_grassroots=False) | Q(pk=keep.pk) if keep is not None else Q(kind__is_grassroots=False)
    units = (units_administered_by(user).filter(shown, is_active=True)
             .only("pk", "name", "depth", "path").order_by("path"))
    if exclude_under is not None:
        units = units.exclude(path__startswith=exclude_under.path)
    rows = list(units)
    top = min((u.depth for u in rows), default=1)
    return [(u.pk, f"{'— ' * (u.depth - top)}{u.name}") for u in rows]


def unit_kinds() -> list[tuple[int, str]]:
    return list(UnitKind.objects.order_by("order", "name").values_list("pk", "name"))


@dataclass(frozen=True)
class RoleRow:
    """One role a person holds, where it applies, who granted it and when."""

    person: str
    person_url: str  # the person's administration page, when the reader may open it
    role: str
    where: str
    where_url: str  # the unit's or the group's administration page, when the reader may open it
    granted_by: str
    granted_at: dt.datetime | None
    unit_grant_id: int | None
    group_grant_id: int | None
    can_revoke: bool
    inert: str  # why it grants nothing now (a closed unit or group, an access that ended); empty: it does


def _access_ended(person, today: dt.date) -> bool:
    profile = _profile(person)
    return not person.is_active or bool(profile and profile.access_until and profile.access_until < today)


def _role_rows(user, unit_grants, group_grants) -> list[RoleRow]:
    """The rows of grants read with ``_unit_grants`` / ``_group_grants``
    (no query once the reader's scope is read)."""
    today, rows = clock.today(), []
    for grant in unit_grants:
        unit, person = grant.content_object, grant.user
        administers = can_administer_unit(user, unit)
        inert = (_("closed unit") if not unit.is_active else _("access ended") if _access_ended(person, today)
                 else "")
        rows.append(RoleRow(_name(person), _person_url(user, person), role_label(grant.permission.codename),
                            unit.name, reverse("administration:unit", args=[unit.pk]) if administers else "",
                            _name(grant.granted_by), grant.granted_at, grant.pk, None, administers, inert))
    for grant in group_grants:
        group, person = grant.content_object, grant.user
        manages = can_manage_groups(user, group.unit)
        inert = (_("closed group") if not group.is_active else _("access ended") if _access_ended(person, today)
                 else "")
        rows.append(RoleRow(_name(person), _person_url(user, person), role_label(Role.OFFICER),
                            f"{group.name} — {group.unit.name}",
                            reverse("administration:group", args=[group.pk]) if manages else "",
                            _name(grant.granted_by), grant.granted_at, None, grant.pk, manages, inert))
    return rows


def _person_url(user, person) -> str:
    return reverse("administration:person", args=[person.pk]) if can_administer_person(user, person) else ""


def _unit_grants():
    return UnitUserObjectPermission.objects.select_related("content_object", "permission", "granted_by",
                                                           "user__profile__unit")


def _group_grants():
    return (WorkingGroupUserObjectPermission.objects.filter(permission__codename=Role.OFFICER)
            .select_related("content_object__unit", "granted_by", "user__profile__unit"))


# --- administration pages: people ------------------------------------------------------------
PERSON_STATUSES = ("active", "deactivated", "invited")


@dataclass(frozen=True)
class PeopleFilters:
    q: str = ""
    unit: int | None = None  # the unit and its subtree
    status: str = ""  # one of PERSON_STATUSES, or all


def people_for_list(user, filters: PeopleFilters) -> QuerySet:
    """The accounts ``user`` administers that match ``filters``, by name
    (the given name, as Vietnamese lists sort), with their profile and unit:
    one query a page, one to count."""
    people = people_administered_by(user).select_related("profile__unit")
    for word in filters.q.split()[:6]:
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                               | Q(username__icontains=word) | Q(email__icontains=word))
    if filters.unit is not None:
        unit = units_administered_by(user).filter(pk=filters.unit).only("path").first()
        people = people.filter(profile__unit__path__startswith=unit.path) if unit else people.none()
    if filters.status == "active":
        people = people.filter(is_active=True)
    elif filters.status == "deactivated":
        people = people.filter(is_active=False)
    elif filters.status == "invited":  # never set a password (an unusable one starts with "!")
        people = people.filter(is_active=True, password__startswith="!")
    return people.order_by("last_name", "first_name", "username", "pk")


@dataclass(frozen=True)
class PersonRow:
    pk: int
    name: str
    username: str
    email: str
    unit: str
    position: str
    active: bool
    has_password: bool
    collaborator: bool
    access_until: dt.date | None


def _profile(person) -> Profile | None:
    try:
        return person.profile
    except Profile.DoesNotExist:
        return None


def person_rows(people) -> list[PersonRow]:
    """The rows of a page of ``people_for_list`` (no query)."""
    rows = []
    for person in people:
        profile = _profile(person)
        rows.append(PersonRow(
            person.pk, _name(person), person.get_username(), person.email,
            profile.unit.name if profile and profile.unit else "", profile.position if profile else "",
            person.is_active, person.has_usable_password(), bool(profile and profile.is_collaborator),
            profile.access_until if profile else None))
    return rows


@dataclass(frozen=True)
class PersonPage:
    person: object
    profile: Profile | None
    unit_url: str
    roles: tuple[RoleRow, ...]
    leads: tuple[str, ...]  # the working groups they lead
    has_password: bool
    is_self: bool
    open_tasks: int
    can_invite: bool
    can_deactivate: bool
    can_reactivate: bool
    has_second_factor: bool  # an app or recovery codes: the administrator may remove them (a lost phone)
    grant_units: tuple[tuple[int, str], ...]
    grant_groups: tuple[tuple[int, str], ...]


def person_page(user, person) -> PersonPage:
    """The person's page for an administrator of the person (the caller
    checked): details, every role with where and who granted it when."""
    profile = _profile(person)
    roles = _role_rows(user, _unit_grants().filter(user=person).order_by("content_object__path", "permission_id"),
                       _group_grants().filter(user=person).order_by("content_object__unit__path",
                                                                    "content_object__name"))
    leads = tuple(WorkingGroup.objects.filter(leader=person, is_active=True).order_by("name")
                  .values_list("name", flat=True))
    unit = profile.unit if profile else None
    active = person.is_active
    groups = (working_groups_managed_by(user).filter(is_active=True, unit__is_active=True)
              .select_related("unit").order_by("unit__path", "name")) if active else []
    return PersonPage(
        person=person, profile=profile,
        unit_url=reverse("administration:unit", args=[unit.pk]) if unit and can_administer_unit(user, unit) else "",
        roles=roles, leads=leads, has_password=person.has_usable_password(), is_self=person.pk == user.pk,
        open_tasks=Task.objects.filter(assignee=person, status=TaskStatus.OPEN).count(),
        can_invite=active and bool(person.email), can_deactivate=active and person.pk != user.pk,
        can_reactivate=not active,
        has_second_factor=has_second_factor(person) and person.pk != user.pk,
        grant_units=tuple(units_to_choose(user)) if active else (),
        grant_groups=tuple((g.pk, f"{g.name} — {g.unit.name}") for g in groups),
    )


@dataclass(frozen=True)
class ReviewStepRow:
    title: str
    enterprise: str
    campaign_id: int
    waiting_since: dt.datetime


#: The open tasks a deactivation page lists (the rest are counted, and handed over too).
DEACTIVATION_TASKS_SHOWN = 50


@dataclass(frozen=True)
class DeactivationPage:
    """What a person who leaves hands over, and to whom it may go: every
    open task is counted and handed over, the first ``DEACTIVATION_TASKS_SHOWN``
    (by due day) are listed (an officer of a busy unit holds thousands)."""

    person: object
    tasks: tuple[Task, ...]  # the first ones
    task_count: int  # all of them
    tasks_not_shown: int  # counted, not listed
    tasks_url: str  # the paginated list of them (the officer's tasks page), when the reader may open it; else ""
    steps: tuple[ReviewStepRow, ...]
    receivers: tuple[tuple[int, str], ...]  # people who may hold every task and step (the person left out)
    is_self: bool


def _holders_of_places(places) -> list[frozenset[int]]:
    """For each place of a campaign (its working group, its responsible
    unit's path), who may hold its tasks (``may_hold_task``): the officers of
    the working group and the supervisors of the unit or above. Two queries."""
    places = set(places)
    officers = officers_by_group({group_id for group_id, _path in places if group_id})
    supervisors = supervisors_by_unit_path({path for _group_id, path in places})
    return [frozenset(officers.get(group_id, ())) | supervisors.get(path, frozenset()) for group_id, path in places]


def _may_open_officer_tasks(user, person) -> bool:
    """May ``user`` open ``person``'s tasks page (organisation's officer
    tasks: a supervisor of one of the person's working groups)?"""
    if not scope_of(user).supervised:
        return False
    return group_members(groups_supervised_by(user).values_list("pk", flat=True)).filter(pk=person.pk).exists()


def deactivation_page(user, person) -> DeactivationPage:
    """The person's open tasks (counted, the first listed) and waiting
    review steps, and the people ``user`` may hand them to: active people
    ``user`` administers whose access has not ended and who may hold every
    one of them (the services check the same again). Who may hold a task
    depends only on its campaign's place, so every task is judged from the
    handful of distinct places, not loaded."""
    open_tasks = Task.objects.filter(assignee=person, status=TaskStatus.OPEN)
    tasks = tuple(open_tasks.select_related("campaign__enterprise", "working_group")
                  .order_by("due_on", "pk")[:DEACTIVATION_TASKS_SHOWN])
    task_count = len(tasks) if len(tasks) < DEACTIVATION_TASKS_SHOWN else open_tasks.count()
    places = list(open_tasks.order_by().values_list("campaign__working_group_id", "campaign__responsible_unit__path")
                  .distinct()) if tasks else []
    flow_tasks = list(FlowTask.objects.filter(
        owner=person, status__in=review_permissions.WAITING, process__flow_class=RecognitionFlow,
        flow_task__in=[getattr(RecognitionFlow, step) for step in review_permissions.HUMAN_STEPS],
    ).select_related("process__recognitionprocess__dossier__campaign__enterprise",
                     "process__recognitionprocess__dossier__campaign__responsible_unit").order_by("created", "pk"))
    steps, needs = [], []
    for flow_task in flow_tasks:
        campaign = flow_task.process.recognitionprocess.dossier.campaign
        step = review_permissions.step_name(flow_task)
        steps.append(ReviewStepRow(str(flow_task.flow_task.task_title), campaign.enterprise.name, campaign.pk,
                                   flow_task.created))
        if step in (VERIFY, DECIDE):
            needs.append(reviewers_of(campaign).holders(step))
        else:
            places.append((campaign.working_group_id, campaign.responsible_unit.path))
    needs += _holders_of_places(places) if places else []
    receivers: tuple[tuple[int, str], ...] = ()
    if needs:
        allowed = frozenset.intersection(*needs) - {person.pk}
        people = (people_administered_by(user).filter(_current_access(), pk__in=allowed, is_active=True)
                  .order_by("last_name", "first_name", "username"))
        receivers = tuple((p.pk, _name(p)) for p in people)
    tasks_url = (reverse("organisation:officer_tasks", args=[person.pk])
                 if task_count > len(tasks) and _may_open_officer_tasks(user, person) else "")
    return DeactivationPage(person=person, tasks=tasks, task_count=task_count,
                            tasks_not_shown=task_count - len(tasks), tasks_url=tasks_url,
                            steps=tuple(steps), receivers=receivers, is_self=person.pk == user.pk)


# --- administration pages: working groups --------------------------------------------------------
def groups_for_list(user) -> QuerySet[WorkingGroup]:
    """The working groups ``user`` manages (``working_groups_managed_by``):
    open ones first, by unit and name, with their unit, leader and number of
    members. One query."""
    members = Count("user_grants", filter=Q(user_grants__permission__codename=Role.OFFICER,
                                            user_grants__user__is_active=True), distinct=True)
    return (working_groups_managed_by(user).select_related("unit", "leader").annotate(members=members)
            .order_by("-is_active", "unit__path", "name"))


def units_for_groups(user) -> list[tuple[int, str]]:
    """The open units whose working groups ``user`` may manage (a new group's unit)."""
    scope = scope_of(user)
    units = (units_administered_by(user) | Unit.objects.filter(scope.subtree_q("path", scope.supervised)))
    rows = list(units.filter(is_active=True, kind__is_grassroots=False).distinct().order_by("path"))
    top = min((u.depth for u in rows), default=1)
    return [(u.pk, f"{'— ' * (u.depth - top)}{u.name}") for u in rows]


def people_for_groups(user, *, exclude=()) -> list[tuple[int, str]]:
    """The active people ``user`` may put in a working group: the people of
    the units they administer or supervise (at most 1.000, by name)."""
    scope = scope_of(user)
    people = get_user_model().objects.filter(is_active=True).select_related("profile__unit")
    if not user.is_superuser:
        people = people.filter(scope.subtree_q("profile__unit__path", scope.administered + scope.supervised))
    people = people.exclude(pk__in=list(exclude)).order_by("last_name", "first_name", "username")[:1000]
    return [(p.pk, f"{_name(p)} ({p.get_username()})") for p in people]


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    name: str
    username: str
    is_leader: bool
    collaborator: bool
    access_until: dt.date | None
    access_ended: bool
    person_url: str  # the person's administration page, when the reader may open it
    granted_by: str
    granted_at: dt.datetime | None


@dataclass(frozen=True)
class GroupPage:
    group: WorkingGroup
    members: tuple[MemberRow, ...]
    candidates: tuple[tuple[int, str], ...]  # who may join
    other_groups: tuple[tuple[int, str], ...]  # the unit's other open groups (to take its campaigns)
    open_campaigns: int
    queued_tasks: int  # open tasks waiting in the group's queue
    unit_url: str


def group_page(user, group: WorkingGroup) -> GroupPage:
    """A working group's page for someone who manages it (the caller checked)."""
    today = clock.today()
    grants = list(_group_grants().filter(content_object=group, user__is_active=True)
                  .order_by("user__last_name", "user__first_name", "user__username"))
    members = []
    for grant in grants:
        person = grant.user
        profile = _profile(person)
        members.append(MemberRow(
            person.pk, _name(person), person.get_username(), group.leader_id == person.pk,
            bool(profile and profile.is_collaborator), profile.access_until if profile else None,
            _access_ended(person, today), _person_url(user, person), _name(grant.granted_by), grant.granted_at))
    open_campaigns = Campaign.objects.filter(working_group=group, stage__in=OPEN_STAGES).count()
    queued = Task.objects.filter(working_group=group, assignee__isnull=True, status=TaskStatus.OPEN).count()
    others = (WorkingGroup.objects.filter(unit_id=group.unit_id, is_active=True).exclude(pk=group.pk)
              .order_by("name").values_list("pk", "name"))
    return GroupPage(
        group=group, members=tuple(members),
        candidates=tuple(people_for_groups(user, exclude=[m.user_id for m in members])) if group.is_active else (),
        other_groups=tuple(others), open_campaigns=open_campaigns, queued_tasks=queued,
        unit_url=reverse("administration:unit", args=[group.unit_id])
        if can_administer_unit(user, group.unit) else "")


# --- administration pages: units ---------------------------------------------------------------
@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    depth: int  # relative to the first row
    grassroots: int  # its grassroots unions (CĐCS), not listed one by one in the tree

    @property
    def closed(self) -> bool:
        return not self.unit.is_active


def _grassroots_counts(units: QuerySet[Unit]) -> dict[str, int]:
    """How many grassroots unions sit right under each unit, by the unit's
    path: one grouped query."""
    step = Unit.steplen
    rows = (units.filter(kind__is_grassroots=True, depth__gt=1)
            .annotate(parent_path=Substr("path", 1, Length("path") - step)).order_by()
            .values("parent_path").annotate(n=Count("pk")).values_list("parent_path", "n"))
    return dict(rows)


def unit_tree(user) -> list[UnitRow]:
    """The upper-level units ``user`` administers, in tree order, closed
    ones too (with their successor), each with its number of grassroots
    unions. Two queries."""
    units = units_administered_by(user)
    counts = _grassroots_counts(units)
    rows = list(units.filter(kind__is_grassroots=False).select_related("kind", "successor").order_by("path"))
    top = min((u.depth for u in rows), default=1)
    return [UnitRow(u, u.depth - top, counts.get(u.path, 0)) for u in rows]


@dataclass(frozen=True)
class UnitPage:
    unit: Unit
    parent: Unit | None
    parent_url: str
    children: tuple[UnitRow, ...]  # upper-level child units
    grassroots: tuple[Unit, ...]  # the first grassroots unions under it
    grassroots_count: int
    groups: tuple[WorkingGroup, ...]  # with ``members``
    people: tuple[PersonRow, ...]  # the first of them
    people_count: int
    roles: tuple[RoleRow, ...]  # the roles held on this unit
    can_change: bool  # open: rename, add a child, move, close
    can_move: bool
    can_close: bool


#: How many grassroots unions and people a unit's page lists (the lists link to the rest).
UNIT_PAGE_LISTED = 50


def unit_page(user, unit: Unit) -> UnitPage:
    """A unit's page for one of its administrators (the caller checked)."""
    parent = Unit.objects.get_parent(unit)
    children = (Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
                .select_related("kind", "successor").order_by("path"))
    upper = list(children.filter(kind__is_grassroots=False))
    child_counts = _grassroots_counts(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 2))
    grassroots = children.filter(kind__is_grassroots=True)
    members = Count("user_grants", filter=Q(user_grants__permission__codename=Role.OFFICER,
                                            user_grants__user__is_active=True), distinct=True)
    groups = tuple(WorkingGroup.objects.filter(unit=unit).select_related("leader").annotate(members=members)
                   .order_by("-is_active", "name"))
    people = people_administered_by(user).filter(profile__unit=unit).select_related("profile__unit").order_by(
        "-is_active", "last_name", "first_name", "username")
    roles = _role_rows(user, _unit_grants().filter(content_object=unit).order_by(
        "user__last_name", "user__first_name", "user__username", "permission_id"), [])
    is_top = parent is None or not can_administer_unit(user, parent)
    return UnitPage(
        unit=unit, parent=parent,
        parent_url=reverse("administration:unit", args=[parent.pk]) if parent and not is_top else "",
        children=tuple(UnitRow(c, 0, child_counts.get(c.path, 0)) for c in upper),
        grassroots=tuple(grassroots[:UNIT_PAGE_LISTED]), grassroots_count=grassroots.count(), groups=groups,
        people=tuple(person_rows(people[:UNIT_PAGE_LISTED])), people_count=people.count(),
        roles=tuple(roles), can_change=unit.is_active, can_move=unit.is_active and not is_top,
        can_close=unit.is_active and not is_top)


# --- administration pages: the objects a page is about ------------------------------------------
def units_shown_to(user) -> QuerySet[Unit]:
    """The units whose administration page ``user`` may open."""
    return units_administered_by(user).select_related("kind", "successor")


def people_shown_to(user) -> QuerySet:
    """The people whose administration page ``user`` may open."""
    return people_administered_by(user).select_related("profile__unit")


def groups_shown_to(user) -> QuerySet[WorkingGroup]:
    """The working groups whose page ``user`` may open (those they manage)."""
    return working_groups_managed_by(user).select_related("unit", "leader")


# --- administration pages: the home ---------------------------------------------------------------
@dataclass(frozen=True)
class HomeLink:
    key: str
    label: str
    url: str
    description: str


@dataclass(frozen=True)
class AdministrationHome:
    links: tuple[HomeLink, ...]  # only those that open for the user
    django_admin: Administration | None  # the Django admin lists a staff account may open


def _route(path: str) -> str:
    """``path`` if the site has that page (a screen still being built is not linked)."""
    try:
        resolve(path)
    except Resolver404:
        return ""
    return path


def administration_home(request) -> AdministrationHome:
    """The administration home: links to the screens that open for the
    user (``administration.permissions``) and, for staff, the reference data
    kept in Django admin (``organisation.selectors.administration_for``)."""
    user = request.user
    links = []
    if can_administer_units(user):
        links += [
            HomeLink("units", _("Units"), reverse("administration:units"),
                     _("The tree of your units: create, rename, move and close units; their history.")),
            HomeLink("people", _("People"), reverse("administration:people"),
                     _("Accounts, invitations, roles; deactivate someone who leaves and hand over their work.")),
        ]
    if can_manage_some_groups(user):
        links.append(HomeLink("groups", _("Working groups"), reverse("administration:groups"),
                              _("Create, rename and close working groups; members, leader and collaborators.")))
    if can_administer_units(user):
        for key, label, path, description in (
                ("reference", _("Reference data"), "/administration/reference/",
                 _("Stage checklists, rule sets and days off for your subtree.")),
                ("import", _("Import the organisation"), "/administration/import/",
                 _("Units, people, working groups and roles from an XLSX template.")),
                ("webhooks", _("Webhooks"), "/administration/webhooks/",
                 _("Tell the federation's other systems of campaigns, tasks, dossiers and imports as they happen."))):
            if url := _route(path):
                links.append(HomeLink(key, label, url, description))
    staff = administration_for(request) if user.is_staff else None
    return AdministrationHome(tuple(links), staff if staff and not staff.is_empty else None)
