"""The campaigns the HTTP transition benchmark moves: campaigns at
*surveyed* whose working group has an officer who signs in with the bench
password, each paired with that officer (who may advance it).

Each run moves them on to *employer contacted*, so the pool shrinks; the
benchmark tops it up first through the real services (a supervisor opens
campaigns on registered enterprises without a union or an open campaign,
assigned to such a group), and, when asked, registers new enterprises for
that. In process; call ``bench.common.setup()`` first.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Move:
    campaign_id: int
    username: str


def _bench_officers(password: str, *, limit_groups: int = 400) -> dict[int, str]:
    """Working group id → the username of one of its active officers whose
    password is ``password`` (the first by username that matches)."""
    from workflows.campaigns.flows import Stage
    from workflows.campaigns.models import Campaign
    from workflows.organisation.models import WorkingGroupUserObjectPermission
    from workflows.organisation.permissions import Role

    grants = (WorkingGroupUserObjectPermission.objects
              .filter(permission__codename=Role.OFFICER, user__is_active=True, content_object__is_active=True)
              .order_by("content_object_id", "user__username")
              .values_list("content_object_id", "user__username", "user__password"))
    # Groups with surveyed campaigns first: they are the pool.
    busy = set(Campaign.objects.filter(stage=Stage.SURVEYED).exclude(working_group=None)
               .values_list("working_group_id", flat=True).distinct())
    candidates: dict[int, list[tuple[str, str]]] = {}
    for group_id, username, encoded in grants:
        candidates.setdefault(group_id, []).append((username, encoded))
    ordered = sorted(candidates, key=lambda g: (g not in busy, g))[:limit_groups]
    from django.contrib.auth.hashers import check_password

    found, checked = {}, {}
    for group_id in ordered:
        for username, encoded in candidates[group_id]:
            if username not in checked:
                checked[username] = encoded.startswith("md5$") and check_password(password, encoded)
            if checked[username]:
                found[group_id] = username
                break
    return found


def pool(password: str, *, wanted: int, officer_first: str | None = None) -> list[Move]:
    """Up to ``wanted`` surveyed campaigns and who moves each; the
    campaigns of ``officer_first``'s groups come first."""
    from workflows.campaigns.flows import Stage
    from workflows.campaigns.models import Campaign

    officers = _bench_officers(password)
    ids = (Campaign.objects.filter(stage=Stage.SURVEYED, working_group_id__in=list(officers))
           .order_by("pk").values_list("pk", "working_group_id"))
    moves = [Move(pk, officers[group]) for pk, group in ids]
    moves.sort(key=lambda m: m.username != officer_first)
    return moves[:wanted]


def top_up(password: str, *, missing: int, create_enterprises: bool, log=print) -> int:
    """Open up to ``missing`` surveyed campaigns for groups with a bench
    officer; register enterprises for them when asked and still short."""
    from django.db.models import Exists, OuterRef

    from workflows.campaigns import flows, services
    from workflows.campaigns.models import Campaign
    from workflows.enterprises.models import Enterprise
    from workflows.organisation.models import UnitUserObjectPermission, WorkingGroup
    from workflows.organisation.permissions import Role

    if missing <= 0:
        return 0
    officers = _bench_officers(password)
    groups = list(WorkingGroup.objects.filter(pk__in=list(officers), is_active=True).select_related("unit")
                  .order_by("pk"))
    supervisor_of: dict[str, int] = {}  # unit path → a supervisor's user id
    for path, user_id in (UnitUserObjectPermission.objects
                          .filter(permission__codename=Role.SUPERVISOR, user__is_active=True,
                                  content_object__is_active=True)
                          .order_by("content_object__path", "user_id")
                          .values_list("content_object__path", "user_id")):
        supervisor_of.setdefault(path, user_id)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(set(supervisor_of.values()))

    def actor_for(path: str):
        """The supervisor of the deepest unit above ``path`` (itself included)."""
        for end in range(len(path), 0, -1):
            if path[:end] in supervisor_of:
                return users[supervisor_of[path[:end]]]
        return None

    started, opened = time.perf_counter(), 0
    open_campaign = Campaign.objects.filter(enterprise=OuterRef("pk"), stage__in=flows.OPEN_STAGES)
    for group in groups:
        if opened >= missing:
            break
        actor = actor_for(group.unit.path)
        if actor is None:
            continue
        free = (Enterprise.objects.filter(responsible_unit__path__startswith=group.unit.path, has_union=False)
                .filter(~Exists(open_campaign)).order_by("pk").values_list("pk", flat=True)[:missing - opened])
        for enterprise_id in free:
            services.campaign_open(enterprise_id=enterprise_id, actor=actor, working_group_id=group.pk,
                                   note="bench")
            opened += 1
    log(f"  top-up: opened {opened} campaigns on registered enterprises ({time.perf_counter() - started:.1f} s)")
    if opened < missing and create_enterprises and groups:
        created = _create_and_open(groups, actor_for, missing - opened, log)
        opened += created
    return opened


def _create_and_open(groups, actor_for, count: int, log) -> int:
    from workflows.campaigns import services
    from workflows.enterprises import services as enterprise_services
    from workflows.enterprises.models import Enterprise
    from workflows.enterprises.validation import tax_code_check_digit

    started, made = time.perf_counter(), 0
    rng = random.Random(time.time_ns())
    usable = [(g, actor_for(g.unit.path)) for g in groups]
    usable = [(g, a) for g, a in usable if a is not None]
    while made < count and usable:
        group, actor = usable[made % len(usable)]
        nine = f"{rng.randrange(800_000_000, 899_999_999):09d}"
        digit = tax_code_check_digit(nine)
        if digit is None or Enterprise.objects.filter(tax_code=f"{nine}{digit}").exists():
            continue
        enterprise = enterprise_services.enterprise_create(
            tax_code=f"{nine}{digit}", responsible_unit=group.unit, actor=actor,
            data=enterprise_services.EnterpriseData(name=f"Công ty TNHH Bench {nine}",
                                                    workforce=rng.randrange(30, 900)))
        services.campaign_open(enterprise_id=enterprise.pk, actor=actor, working_group_id=group.pk, note="bench")
        made += 1
    log(f"  top-up: registered {made} enterprises and opened their campaigns ({time.perf_counter() - started:.1f} s)")
    return made
