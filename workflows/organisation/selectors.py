"""Reads of units, working groups and people."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from workflows.core.params import param_int, param_str
from workflows.core.prepared import PreparedRows
from workflows.core.text import fold

from .models import Unit, UnitKind, WorkingGroup, WorkingGroupUserObjectPermission, upper_kind_ids, upper_level
from .permissions import Role, Scope, may_give_work_to, officers_who_may_receive, scope_of, supervisors_who_may_receive
from .reference_stamp import StampedCache

User = get_user_model()


def group_members(group_ids) -> QuerySet:
    """Active users holding the officer grant on any of ``group_ids``."""
    return (User.objects.filter(
        is_active=True,
        pk__in=WorkingGroupUserObjectPermission.objects.filter(
            content_object_id__in=list(group_ids), permission__codename=Role.OFFICER).values("user_id"))
        .order_by("last_name", "first_name", "username"))


def person_choices(users) -> list[tuple[int, str]]:
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]


def groups_supervised_by(user) -> QuerySet[WorkingGroup]:
    scope = scope_of(user)
    return (WorkingGroup.objects.filter(scope.subtree_q("unit__path", scope.supervised), is_active=True)
            .select_related("unit", "leader").order_by("unit__path", "name"))


def units_overseen_by(user) -> QuerySet[Unit]:
    """The upper-level units of the user's subtrees, as a filter (the API's
    checks). Grassroots unions (CĐCS) are left out: no campaign or
    enterprise is the responsibility of one, and a province has thousands of
    them. No page lists them all: the pages' pickers are ``unit_picker``."""
    scope = scope_of(user)
    return (Unit.objects.filter(scope.subtree_q("path", scope.overseen), is_active=True, kind__is_grassroots=False)
            .order_by("path"))


# --- the unit picker of lists, dashboards and reports ----------------------------------
#: The most units a search of the picker lists.
UNIT_SEARCH_LIMIT = 20

#: The parameters of a page's query that the picker's links drop: the unit
#: they set, the search typed, the page of a list (another unit, page 1).
_PICKER_PARAMS = ("unit", "unit_q", "page", "for", "under")


class Reach(StrEnum):
    """Which grants a picker offers the units of (the search endpoint's ``for``)."""

    OVERSEEN = "overseen"  # lists, dashboards, reports
    SUPERVISED = "supervised"  # targets and the other planning pages
    ADMINISTERED = "administered"  # the administration's people list


def reach_paths(user, reach: Reach) -> tuple[str, ...]:
    """The outermost unit paths of ``user``'s grants of the ``reach`` (no query once the scope is read).
    A superuser administers every unit (``units_administered_by``): the
    roots' paths (one query)."""
    if reach == Reach.ADMINISTERED and user.is_authenticated and user.is_active and user.is_superuser:
        return tuple(Unit.objects.filter(depth=1).order_by("path").values_list("path", flat=True))
    scope = scope_of(user)
    return {Reach.OVERSEEN: scope.overseen, Reach.SUPERVISED: scope.supervised,
            Reach.ADMINISTERED: scope.administered}[reach]


def paths_under(paths: Iterable[str], under: str) -> tuple[str, ...]:
    """The part of the subtrees ``paths`` that lies under ``under`` (a path)."""
    kept = set()
    for path in paths:
        if path.startswith(under):
            kept.add(path)
        elif under.startswith(path):
            kept.add(under)
    return tuple(sorted(kept))


def _pickable(within: tuple[str, ...]) -> QuerySet[Unit]:
    """The units a picker may offer: open, not grassroots unions (a province
    has thousands: no campaign or enterprise is theirs), inside ``within``."""
    inside = Q(pk__in=[])
    for path in within:
        inside |= Q(path__startswith=path)
    return Unit.objects.filter(inside, upper_level(), is_active=True)


#: Every column of a unit, in the order the pickers' prepared queries read them.
_UNIT_FIELDS = tuple(field.attname for field in Unit._meta.concrete_fields)
#: The pickers' queries, compiled once per shape (how many top units, ancestors…) and connection.
_PICKER_QUERIES: dict[tuple, PreparedRows] = {}
_PICKER_SHAPES_MAX = 256


def _tops_and_unit(*values) -> QuerySet[Unit]:
    """The units at ``values`` (paths), or the one whose id is the last value when it is an int, if pickable."""
    if values and isinstance(values[-1], int):
        within = values[:-1]
        return _pickable(within).filter(Q(path__in=within) | Q(pk=values[-1]))
    return _pickable(values).filter(path__in=values)


def _children_and_trail(*values, within: int, missing: int) -> QuerySet[Unit]:
    """The pickable children at ``depth`` under ``path``, and the units at the ``missing`` paths."""
    paths, (depth, path), ancestors = values[:within], values[within:within + 2], values[within + 2:]
    wanted = Q(depth=depth, path__startswith=path)
    if missing:
        wanted |= Q(path__in=ancestors)
    return _pickable(paths).filter(wanted)


def _units(shape: tuple, queryset_for, values: tuple, *counts: int) -> list[Unit]:
    """The units of ``queryset_for(*values)``, its SQL compiled once for ``shape`` (``core.prepared``):
    a picker is on every list, dashboard and report, and building its two queries cost more than running
    them. Stand-ins: a path for each text, an id for the unit, a depth."""
    if connection.vendor == "postgresql":
        shape = (*shape, upper_kind_ids())  # written into the statement (``upper_level``)
    prepared = _PICKER_QUERIES.get(shape)
    if prepared is None:
        stand_ins = tuple(f"§{i}§" if isinstance(v, str) else _NUMBER_STAND_IN for i, v in enumerate(values))

        def compiled(*stand_in_values):
            if counts:
                queryset = queryset_for(*stand_in_values, within=counts[0], missing=counts[1])
            else:
                queryset = queryset_for(*stand_in_values)
            return queryset.values_list(*_UNIT_FIELDS)

        if len(_PICKER_QUERIES) >= _PICKER_SHAPES_MAX:
            _PICKER_QUERIES.clear()
        prepared = _PICKER_QUERIES[shape] = PreparedRows(compiled, *stand_ins)
    alias = prepared.alias()
    return [Unit.from_db(alias, _UNIT_FIELDS, row) for row in prepared.rows(*values)]


def _upper_children(path: str, depth: int) -> QuerySet[Unit]:
    return Unit.objects.filter(upper_level(), path__startswith=path, depth=depth)


def upper_children(unit: Unit) -> list[Unit]:
    """The children of ``unit`` that are not grassroots unions, open or
    closed, in tree order: one query, compiled once per process as the
    pickers' are (a dashboard splits its figures by them)."""
    return sorted(_units(("upper children",), _upper_children, (unit.path, unit.depth + 1)), key=lambda u: u.path)


#: A number no unit id nor depth takes (within an integer column's range): a query has one at most.
_NUMBER_STAND_IN = 987_654_321


@dataclass(frozen=True)
class PickerOption:
    """A unit the picker offers, with the link that chooses it (the page's
    other parameters kept) and its indent in the list."""

    unit: Unit
    url: str
    level: int = 0

    @property
    def pk(self) -> int:
        return self.unit.pk

    @property
    def name(self) -> str:
        return self.unit.name


@dataclass(frozen=True)
class UnitPicker:
    """What a page's unit picker shows: the chosen unit and the way up to
    it, the units to go down to (its children), the user's top units and the
    matches of a search — never every unit of a national subtree."""

    chosen: Unit | None  # None: all the user's units (pages that offer it)
    trail: tuple[PickerOption, ...]  # the chosen unit's ancestors the user may pick, outermost first
    options: tuple[PickerOption, ...]  # the <select>'s units (after "All units" where offered)
    all_units: bool  # the page offers "All units"
    all_url: str  # the link to all units (no unit)
    reach: Reach
    under: int | None = None  # the search keeps to this unit's subtree (a programme's unit)
    query: str = ""  # a search typed, without JavaScript
    matches: tuple[PickerOption, ...] = ()
    searched: bool = False

    @property
    def pk(self) -> int | None:
        return self.chosen.pk if self.chosen is not None else None

    @property
    def path(self) -> str:
        """The chosen subtree's path ("" for all units)."""
        return self.chosen.path if self.chosen is not None else ""

    @property
    def cut(self) -> bool:
        """Did the search find more units than it lists?"""
        return len(self.matches) >= UNIT_SEARCH_LIMIT

    @property
    def shown(self) -> bool:
        """Is there anything to choose (more than the one unit)?"""
        return len(self.options) + len(self.trail) > 1 or bool(self.all_units and self.options)


def _link(params: list[tuple[str, str]], unit_pk: int | None) -> str:
    return "?" + urlencode([*params, ("unit", unit_pk)] if unit_pk is not None else params)


def picker_params(params) -> list[tuple[str, str]]:
    """A page's query (a QueryDict) without the picker's own parameters."""
    return [(key, value) for key, values in params.lists() if key not in _PICKER_PARAMS for value in values]


def unit_picker(user, unit_id: int | None, *, all_units: bool, params=None, reach: Reach = Reach.OVERSEEN,
                within: tuple[str, ...] | None = None, under: int | None = None, query: str = "") -> UnitPicker:
    """The unit picker of a page for ``user``: the unit ``unit_id`` when the
    user may pick it (inside their ``reach``, or ``within`` those paths; open,
    not a grassroots union) — an unknown or forbidden id is as if none was
    given, never an error and nothing of it shown —, the way up to it and its
    children. With none chosen, the user's top units; a page without "All
    units" (``all_units``) then gets the first of them. ``params``: the page's
    query (a QueryDict), kept in the links. ``query``: a search typed (a third
    query). Two queries, whatever the number of units (the scope is read once
    per request, by the page anyway)."""
    within = reach_paths(user, reach) if within is None else within
    keep = picker_params(params) if params is not None else []
    if not within:
        return UnitPicker(None, (), (), all_units, _link(keep, None), reach, under)
    # 1: the top units and the unit asked for, if the user may pick it
    rows = _units(("tops", len(within), unit_id is not None), _tops_and_unit,
                  (*within, unit_id) if unit_id is not None else within)
    tops = sorted((u for u in rows if u.path in within), key=lambda u: u.path)
    chosen = next((u for u in rows if u.pk == unit_id), None)
    if chosen is None and not all_units and tops:
        chosen = tops[0]
    below = chosen if chosen is not None else (tops[0] if len(tops) == 1 else None)
    trail: list[Unit] = []
    children: list[Unit] = []
    if below is not None:
        # 2: the way up (ancestors inside the reach) and the children, on (depth, path)
        step = Unit.steplen
        known = {u.path: u for u in tops}
        up = [below.path[:end] for end in range(step, len(below.path), step)
              if any(below.path[:end].startswith(p) for p in within)]
        missing = tuple(p for p in up if p not in known)
        for unit in _units(("below", len(within), len(missing)), _children_and_trail,
                           (*within, below.depth + 1, below.path, *missing), len(within), len(missing)):
            if unit.depth == below.depth + 1 and unit.path.startswith(below.path):
                children.append(unit)
            else:
                known[unit.path] = unit
        trail = [known[p] for p in up if p in known]
        children.sort(key=lambda u: (fold(u.name), u.pk))
    inner = [PickerOption(u, _link(keep, u.pk), 1) for u in children]
    if below is not None and below.path not in within:
        options = [PickerOption(below, _link(keep, below.pk)), *inner]
    else:  # at the top: the other top units beside it
        options = []
        for top in tops:
            options.append(PickerOption(top, _link(keep, top.pk)))
            if below is not None and top.pk == below.pk:
                options.extend(inner)
    matches: tuple[PickerOption, ...] = ()
    query = query.strip()
    if query:
        matches = tuple(PickerOption(u, _link(keep, u.pk)) for u in units_matching(within, query))
    return UnitPicker(
        chosen=chosen, trail=tuple(PickerOption(u, _link(keep, u.pk)) for u in trail), options=tuple(options),
        all_units=all_units, all_url=_link(keep, None), reach=reach, under=under, query=query,
        matches=matches, searched=bool(query))


def unit_picker_for(request, *, all_units: bool, unit_id: int | None = None, **options) -> UnitPicker:
    """``unit_picker`` for a page's request: the unit (``unit_id``, else the
    query's ``unit``), the search typed (``unit_q``) and the query to keep."""
    if unit_id is None:
        unit_id = param_int(request.GET, "unit")
    return unit_picker(request.user, unit_id, all_units=all_units, params=request.GET,
                       query=param_str(request.GET, "unit_q", 100), **options)


#: The most words of a search the picker looks for (each one more LIKE).
UNIT_SEARCH_WORDS = 8


def units_matching(within: tuple[str, ...], query: str) -> list[Unit]:
    """The first units inside ``within`` whose name holds every word of
    ``query``, accents, đ and case aside ("ha noi" finds "Hà Nội"), in the
    order of their folded names; grassroots unions left out. One query, on
    ``Unit.search_name`` (folded by ``core.text.fold`` as the name is written)."""
    words = fold(query[:100]).split()[:UNIT_SEARCH_WORDS]
    if not words or not within:
        return []
    found = _pickable(within)
    for word in words:
        found = found.filter(search_name__contains=word)
    return list(found.order_by("search_name", "pk")[:UNIT_SEARCH_LIMIT])


def unit_search(user, query: str, *, reach: Reach = Reach.OVERSEEN, under: int | None = None,
                params=None) -> tuple[PickerOption, ...]:
    """The picker's search as you type: the first units ``user`` may pick
    (in ``reach``, under the unit ``under`` if given) whose name holds the
    words of ``query`` (``units_matching``), each with the link that chooses
    it on the page (``params``: the page's query, kept). At most two queries."""
    within = reach_paths(user, reach)
    if under is not None and within:
        path = Unit.objects.filter(pk=under).values_list("path", flat=True).first()
        within = paths_under(within, path) if path else ()
    keep = picker_params(params) if params is not None else []
    return tuple(PickerOption(u, _link(keep, u.pk)) for u in units_matching(within, query))


def unit_picked(user, unit_id: int | None, *, reach: Reach = Reach.OVERSEEN) -> Unit | None:
    """The unit ``unit_id`` if ``user`` may pick it (the picker's rule), else
    None: one row, for an export's parameters. No query without an id."""
    within = reach_paths(user, reach)
    if unit_id is None or not within:
        return None
    return _pickable(within).filter(pk=unit_id).first()


def groups_that_may_work(user, unit: Unit) -> list[WorkingGroup]:
    """The working groups ``user`` supervises that may take a campaign of
    ``unit``: those of the unit itself and of the units above it."""
    return [g for g in groups_supervised_by(user) if unit.path.startswith(g.unit.path)]


# --- who may receive an officer's tasks ------------------------------------------
#: One page of an officer's tasks (and the most tasks chosen at once from it).
OFFICER_TASKS_PER_PAGE = 100


@dataclass(frozen=True)
class TaskPlace:
    """Where some of an officer's tasks sit: their working group and their
    campaign's responsible unit, and how many there are. Who may receive the
    tasks depends on nothing else, so thousands of tasks are judged from a
    handful of places (``campaigns.selectors.reassignable_task_places``)."""

    group_id: int | None
    group_name: str
    unit_path: str
    count: int


@dataclass(frozen=True)
class Receiver:
    """A person a supervisor may give some of the tasks to."""

    user_id: int
    name: str
    officer_of: frozenset[int]  # working group ids, among the tasks' groups
    supervised_paths: frozenset[str]  # unit paths, at or above the tasks' units, inside the actor's reach


@dataclass(frozen=True)
class ReassignPreview:
    """What the confirmation of a bulk reassignment says."""

    count: int
    receiver: str
    refused: int  # tasks the receiver may not be given
    other_groups: tuple[str, ...]  # the tasks' groups the receiver is not a member of


@dataclass(frozen=True)
class Receivers:
    """The people a supervisor may give a list of tasks to, grouped for a
    picker by unit and working group (the supervisors of a unit together)."""

    people: dict[int, Receiver]
    choices: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    scope: Scope

    def preview(self, actor, user_id: int, places: Iterable[TaskPlace]) -> ReassignPreview:
        """What moving the tasks at ``places`` to ``user_id`` would do. No query."""
        person = self.people[user_id]
        places = list(places)
        refused = sum(p.count for p in places if not may_give_work_to(
            actor, group_id=p.group_id, unit_path=p.unit_path,
            officer_of=person.officer_of, supervised_paths=person.supervised_paths, scope=self.scope))
        other_groups = sorted({p.group_name for p in places
                               if p.group_id is not None and p.group_id not in person.officer_of})
        return ReassignPreview(sum(p.count for p in places), person.name, refused, tuple(other_groups))


def receivers_for(actor, places: Iterable[TaskPlace], *, leaving_id: int) -> Receivers:
    """Who ``actor`` (a supervisor) may give some of the tasks at ``places``
    to, the person who leaves them (``leaving_id``) left out: the officers of
    the tasks' working groups and the supervisors of their units, inside the
    actor's reach (decided by ``permissions.may_give_work_to``). Two queries,
    whatever the number of tasks."""
    scope = scope_of(actor)
    places = list(places)
    if not places:
        return Receivers({}, (), scope)
    officer_grants = list(officers_who_may_receive(actor, {p.group_id for p in places}))
    supervisor_grants = list(supervisors_who_may_receive(actor, {p.unit_path for p in places}))
    officer_of: dict[int, set[int]] = {}
    supervises: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for grant in officer_grants:
        officer_of.setdefault(grant.user_id, set()).add(grant.content_object_id)
        names[grant.user_id] = grant.user.get_full_name() or grant.user.get_username()
    for grant in supervisor_grants:
        supervises.setdefault(grant.user_id, set()).add(grant.content_object.path)
        names[grant.user_id] = grant.user.get_full_name() or grant.user.get_username()
    people = {}
    for user_id, name in names.items():
        person = Receiver(user_id, name, frozenset(officer_of.get(user_id, ())), frozenset(supervises.get(user_id, ())))
        if user_id != leaving_id and any(may_give_work_to(
                actor, group_id=p.group_id, unit_path=p.unit_path,
                officer_of=person.officer_of, supervised_paths=person.supervised_paths, scope=scope) for p in places):
            people[user_id] = person
    # (sort key, label) → people: a unit's supervisors first, then its groups by name
    sections: dict[tuple, list[tuple[int, str]]] = {}
    for grant in supervisor_grants:
        if grant.user_id in people:
            unit = grant.content_object
            key = (unit.path, 0, "", _("%(unit)s — supervisors") % {"unit": unit.name})
            sections.setdefault(key, []).append((grant.user_id, people[grant.user_id].name))
    for grant in officer_grants:
        if grant.user_id in people:
            group = grant.content_object
            key = (group.unit.path, 1, group.name, f"{group.unit.name} — {group.name}")
            sections.setdefault(key, []).append((grant.user_id, people[grant.user_id].name))
    choices = tuple((key[3], tuple(sorted(set(members), key=lambda m: (_sort_name(m[1]), m[0]))))
                    for key, members in sorted(sections.items(), key=lambda item: item[0][:3]))
    return Receivers(people, choices, scope)


def _sort_name(name: str) -> tuple[str, str]:
    """Vietnamese names sort by the given name (the last word), then the rest."""
    words = name.split()
    return (fold(words[-1]) if words else "", fold(name))


# --- administration ---------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class AdminSection:
    """One application's reference data in Django admin."""

    name: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Administration:
    """What an administrator may keep: the Django admin lists they may open
    (Django admin's own permission checks decide), the product's reference
    data apart from the technical tables (sign-in attempts, job queue …)."""

    index_url: str
    reference: tuple[AdminSection, ...]
    technical: tuple[AdminSection, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.reference or self.technical)


def administration_for(request) -> Administration:
    reference, technical = [], []
    for app in admin.site.get_app_list(request):
        # a model without admin_url is one the user may only add to (or not
        # even that): its list would refuse them, so it is not shown
        links = tuple(Link(str(model["name"]), model["admin_url"]) for model in app["models"]
                      if model.get("admin_url"))
        if links:
            ours = apps.get_app_config(app["app_label"]).name.startswith("workflows.")
            (reference if ours else technical).append(AdminSection(str(app["name"]), links))
    return Administration(reverse("admin:index"), tuple(reference), tuple(technical))


_GRASSROOTS_KIND = StampedCache("grassroots unit kind", maxsize=1)


def grassroots_kind_cached(*, stamp: int | None) -> UnitKind | None:
    """The kind a recognition gives the unit it founds: the first grassroots
    kind (None: none is set up), from this process's cache for the reference
    stamp (unit kinds move it: migration ``0008_unit_kind_reference_stamp``)."""
    return _GRASSROOTS_KIND.get(stamp, "kind", lambda: UnitKind.objects.filter(is_grassroots=True)
                                .order_by("order", "pk").first())
