"""Recompute the summary tables from the base tables, report the drift, and
(on request) put the recomputed figures in place.

Run nightly by the job worker (``jobs.reconcile_nightly``) and on demand by
``manage.py statistics_reconcile [--fix]``. The drift must be zero: any row
reported here is a bug in a service that moved a figure.

What happened is counted at the unit where it happened, the unit its event
records (``CampaignEvent.unit``), so that a closed unit keeps its past; what
is now (campaigns by stage, open tasks, the registry) at the objects' unit now.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, DateField, IntegerField, Q, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate, TruncMonth

from workflows.campaigns import day_counters, figures as figures_of_campaigns, flows, rollups
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import (
    Campaign,
    CampaignEvent,
    EventKind,
    MonthFigures,
    StageCohort,
    StageDuration,
    StageEntries,
    SubtreeDuration,
    SubtreeEntries,
    SubtreeMonthFigures,
    SubtreeStage,
    Task,
    TaskDueCount,
    TaskStatus,
)
from workflows.core import clock
from workflows.enterprises.models import (
    WORKFORCE_FLOORS,
    Enterprise,
    EnterpriseBand,
    SubtreeBand,
    WorkforceSource,
)

from .models import MemberMovement, MovementKind

logger = logging.getLogger(__name__)

Figures = dict[tuple, dict[str, int]]


@dataclass(frozen=True)
class Drift:
    table: str
    key: tuple
    stored: dict
    expected: dict


def _grouped(rows, keys: tuple[str, ...], columns: dict[str, str]) -> Figures:
    figures: Figures = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = tuple(row[k] for k in keys)
        for column, source in columns.items():
            figures[key][column] += row[source] or 0
    return figures


def stage_cohorts() -> Figures:
    """Campaigns now, at their responsible unit now."""
    rows = (Campaign.objects.annotate(entered_on=TruncDate("stage_entered_at"))
            .values("responsible_unit", "stage", "entered_on").annotate(n=Count("pk")).order_by())
    return _grouped(rows, ("responsible_unit", "stage", "entered_on"), {"campaigns": "n"})


def stage_entries() -> Figures:
    """The funnel: each campaign's first entry into each stage it reached,
    at the unit responsible then (the event's)."""
    rows = (figures_of_campaigns.entries(CampaignEvent.objects.all())
            .annotate(month=TruncMonth("at", output_field=DateField()))
            .values("unit", "month", "to_stage").annotate(n=Count("pk")).order_by())
    return _grouped(rows, ("unit", "month", "to_stage"), {"campaigns": "n"})


def month_figures() -> Figures:
    """Abandoned at the unit responsible then (the event's); members admitted
    at the recognising unit (a recognised campaign never moves); movements
    at the unit that reported them."""
    figures: Figures = defaultdict(lambda: defaultdict(int))
    abandoned = (CampaignEvent.objects.filter(kind=EventKind.STAGE, to_stage=Stage.ABANDONED)
                 .annotate(month=TruncMonth("at", output_field=DateField()))
                 .values("unit", "month").annotate(n=Count("pk")).order_by())
    for row in abandoned:
        figures[(row["unit"], row["month"])]["abandoned"] += row["n"]
    admitted = (Campaign.objects.filter(stage=Stage.RECOGNISED, decision_date__isnull=False)
                .annotate(month=TruncMonth("decision_date")).values("responsible_unit", "month")
                .annotate(n=Sum("admitted_members"), unions=Count("pk")).order_by())
    for row in admitted:
        figures[(row["responsible_unit"], row["month"])]["members_admitted"] += row["n"] or 0
        figures[(row["responsible_unit"], row["month"])]["unions_founded"] += row["unions"]
    movements = MemberMovement.objects.values("unit", "month", "kind").annotate(n=Sum("members")).order_by()
    for row in movements:
        column = "members_recruited" if row["kind"] == MovementKind.RECRUITED else "members_lost"
        figures[(row["unit"], row["month"].replace(day=1))][column] += row["n"] or 0
    return figures


def stage_durations() -> Figures:
    """Each stint in a working stage, at the unit responsible when it ended
    (the event's)."""
    rows = (CampaignEvent.objects.filter(kind=EventKind.STAGE, from_stage__in=flows.WORKING_STAGES)
            .annotate(month=TruncMonth("at", output_field=DateField()),
                      days=Cast(KeyTextTransform("days_in_stage", "data"), IntegerField()))
            .values("unit", "month", "from_stage", "days").annotate(n=Count("pk")).order_by())
    return _grouped(rows, ("unit", "month", "from_stage", "days"), {"stints": "n"})


def task_due_counts() -> Figures:
    """Open tasks now, at their campaign's unit now."""
    rows = (Task.objects.filter(status=TaskStatus.OPEN).values("campaign__responsible_unit", "due_on")
            .annotate(n=Count("pk")).order_by())
    return _grouped(rows, ("campaign__responsible_unit", "due_on"), {"open_tasks": "n"})


def enterprise_bands() -> Figures:
    band = Case(*[When(workforce__gte=floor, then=Value(floor)) for floor in sorted(WORKFORCE_FLOORS, reverse=True)],
                default=Value(0), output_field=IntegerField())
    social_insurance = Case(When(workforce_source=WorkforceSource.SOCIAL_INSURANCE, then=Value(True)),
                            default=Value(False), output_field=BooleanField())
    keys = ("responsible_unit", "band", "has_union", "ownership_sector", "social_insurance", "industrial_zone")
    rows = (Enterprise.objects.annotate(band=band, social_insurance=social_insurance).values(*keys)
            .annotate(n=Count("pk"), workforce_sum=Sum("workforce"),
                      si=Sum("workforce", filter=Q(workforce_source=WorkforceSource.SOCIAL_INSURANCE)))
            .order_by())
    return _grouped(rows, keys, {"enterprises": "n", "workforce": "workforce_sum", "workforce_social_insurance": "si"})


TABLES = [
    (StageCohort, ("unit_id", "stage", "entered_on"), ("campaigns",), stage_cohorts),
    (StageEntries, ("unit_id", "month", "stage"), ("campaigns",), stage_entries),
    (MonthFigures, ("unit_id", "month"), ("abandoned", "unions_founded", "members_admitted", "members_recruited",
                                          "members_lost"),
     month_figures),
    (StageDuration, ("unit_id", "month", "stage", "working_days"), ("stints",), stage_durations),
    (TaskDueCount, ("unit_id", "due_on"), ("open_tasks",), task_due_counts),
    (EnterpriseBand, ("unit_id", "band", "has_union", "sector", "social_insurance", "zone"),
     ("enterprises", "workforce", "workforce_social_insurance"),
     enterprise_bands),
]

#: The rollups (PostgreSQL only), each expected as ``Rollup.rolled_up`` of
#: its source's recomputation.
ROLLED_UP = [
    (SubtreeStage, rollups.STAGES, stage_cohorts),
    (SubtreeEntries, rollups.ENTRIES, stage_entries),
    (SubtreeMonthFigures, rollups.MONTHS, month_figures),
    (SubtreeDuration, rollups.DURATIONS, stage_durations),
    (SubtreeBand, rollups.BANDS, enterprise_bands),
]


def _rolled_up_table(model, rollup: rollups.Rollup, source) -> tuple:
    return (model, ("unit_id", *(c for c, _type in rollup.keys)), tuple(c for c, _type in rollup.sums),
            lambda: rollup.rolled_up(source()))


def summary_tables() -> list[tuple]:
    """``TABLES``, and the rollups where this database keeps them (PostgreSQL)."""
    return TABLES + ([_rolled_up_table(*entry) for entry in ROLLED_UP] if rollups.kept() else [])


def _nonzero(figures: Figures, columns) -> dict[tuple, dict[str, int]]:
    cleaned = {}
    for key, values in figures.items():
        row = {c: int(values.get(c, 0) or 0) for c in columns}
        if any(row.values()):
            cleaned[key] = row
    return cleaned


def drift() -> list[Drift]:
    """Every difference between the summary tables and a recomputation."""
    found = []
    for model, keys, columns, recompute in summary_tables():
        stored = _nonzero({tuple(r[k] for k in keys): r for r in model.objects.values(*keys, *columns)}, columns)
        expected = _nonzero(recompute(), columns)
        for key in sorted(set(stored) | set(expected), key=repr):
            if stored.get(key) != expected.get(key):
                found.append(Drift(model.__name__, key, stored.get(key, {}), expected.get(key, {})))
    return found + day_counters_drift()


def day_counters_drift() -> list[Drift]:
    """The stalled and overdue counters per subtree (``day_counters``), when
    they are today's: recounted from the cohorts and the open tasks' due
    dates (checked above)."""
    return [Drift(*found) for found in day_counters.drift(today=clock.today())]


def rebuild() -> None:
    """Replace every summary row with the recomputed figures, in one
    transaction that holds the tables against concurrent increments."""
    with transaction.atomic():
        if rollups.kept():  # the cohorts are replaced first, then their rollups at once
            rollups.rollups_off()
        for model, keys, columns, recompute in TABLES:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")
            model.objects.all().delete()
            model.objects.bulk_create([
                model(**dict(zip(keys, key, strict=True)), **values)
                for key, values in _nonzero(recompute(), columns).items()
            ], batch_size=2000)
        if rollups.kept():  # then every rollup from its source, one statement each
            rollups.rebuild()
        day_counters.rebuild(today=clock.today())  # the triggers were off: counted again from the new rows


def reconcile(*, fix: bool = False) -> list[Drift]:
    found = drift()
    for item in found[:50]:
        logger.error("summary drift in %s %s: stored %s, expected %s", item.table, item.key, item.stored,
                     item.expected)
    if found and fix:
        rebuild()
    return found
