"""The scheduled erasure of the workers who did not join (Decree
13/2023/NĐ-CP: personal data is kept no longer than its purpose needs).

An enterprise's workers are kept while a campaign there is open. Once every
campaign of the enterprise is closed (recognised or abandoned) and its
latest one closed at least ``erase_after_months`` months ago — the rule set
in force on the closing day for that campaign's responsible unit — the
personal fields of the workers who did not join are erased
(``people.services.workers_erase``: name, year of birth, contacts, the
citizen ID's hash; the department, gender, support level, committee seats
and applications stay, so every figure stays).

"Did not join" means: no admitted application (not withdrawn) in any
campaign of the enterprise, and no seat on the committee of a recognised
campaign (the mobilising committee of a recognised union founded it; the
committee of an abandoned campaign did not found anything). An enterprise
without any campaign is left alone: nothing started the clock. Workers
already anonymised are skipped, so a second run erases nothing.

The work is done in batches: enterprises by keyset on their id, their
workers' ids in chunks, one transaction and one audit entry per chunk; no
more than one page of enterprises and one chunk of ids is in memory.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.enterprises.models import Enterprise
from workflows.people import services as people
from workflows.people.models import Worker

from . import flows
from .models import Application, Campaign, CommitteeMember, RuleSet

#: Enterprises read per page, workers erased per transaction (and audit entry).
ENTERPRISES_PER_PAGE = 500
WORKERS_PER_BATCH = 500
AUDIT_DETAIL = "scheduled erasure"


def _closed_enterprises(after: int) -> list[tuple[int, int]]:
    """A page of (enterprise id, id of its latest closed campaign) for the
    enterprises with a closed campaign and no open one, keyset after ``after``."""
    of_enterprise = Campaign.objects.filter(enterprise_id=OuterRef("pk"))
    latest = of_enterprise.filter(closed_at__isnull=False).order_by("-closed_at", "-pk").values("pk")[:1]
    return list(Enterprise.objects.filter(pk__gt=after)
                .filter(Exists(of_enterprise.filter(closed_at__isnull=False)))
                .exclude(Exists(of_enterprise.filter(stage__in=flows.OPEN_STAGES)))
                .annotate(latest=Subquery(latest)).order_by("pk")
                .values_list("pk", "latest")[:ENTERPRISES_PER_PAGE])


def enterprises_due(*, today: dt.date) -> Iterator[int]:
    """The enterprises whose workers who did not join are due for erasure
    on ``today``, in id order."""
    after = 0
    rules: dict[tuple[int, dt.date], int] = {}
    while True:
        page = _closed_enterprises(after)
        if not page:
            return
        campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in=[c for _e, c in page])
                     .select_related("responsible_unit").only("pk", "closed_at", "responsible_unit")}
        for enterprise_id, campaign_id in page:
            campaign = campaigns[campaign_id]
            closed_on = timezone.localdate(campaign.closed_at)
            key = (campaign.responsible_unit_id, closed_on)
            if key not in rules:
                rules[key] = RuleSet.objects.rules_on(closed_on, campaign.responsible_unit).erase_after_months
            if closed_on + relativedelta(months=rules[key]) <= today:
                yield enterprise_id
        after = page[-1][0]


def workers_not_joined(enterprise_ids) -> Iterator[int]:
    """The ids of the workers of these enterprises who did not join and are
    not anonymised yet, in id order (read in chunks by keyset)."""
    admitted = Application.objects.filter(worker=OuterRef("pk"), withdrawn_on__isnull=True,
                                          admitted_on__isnull=False)
    founder = CommitteeMember.objects.filter(worker=OuterRef("pk"), campaign__stage=flows.Stage.RECOGNISED)
    candidates = (Worker.objects.filter(enterprise_id__in=list(enterprise_ids), anonymised_at__isnull=True)
                  .exclude(Exists(admitted)).exclude(Exists(founder)))
    after = 0
    while True:
        chunk = list(candidates.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:WORKERS_PER_BATCH])
        if not chunk:
            return
        yield from chunk
        after = chunk[-1]


@transaction.atomic
def _erase_batch(worker_ids: list[int]) -> int:
    erased = people.workers_erase(worker_ids=worker_ids, actor=None)
    if erased:
        audit_record(kind=AuditKind.PERSONAL_DATA_CHANGE, user=None, detail=AUDIT_DETAIL, workers=erased)
    return len(erased)


def _chunks(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    chunk = []
    for pk in ids:
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def workers_erase_due(*, today: dt.date) -> int:
    """Erase the workers who did not join of every enterprise due on
    ``today`` (see the module's docstring); returns how many were erased."""
    erased = 0
    for enterprises in _chunks(enterprises_due(today=today), ENTERPRISES_PER_PAGE):
        for batch in _chunks(workers_not_joined(enterprises), WORKERS_PER_BATCH):
            erased += _erase_batch(batch)
    return erased
