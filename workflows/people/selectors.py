"""Reads of workers: lists, the wall chart, the support share.

What a role may see is decided by the caller (the campaign's pages ask
``campaigns.permissions``); these only read."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from workflows.core.text import fold

from .models import SUPPORTIVE_LEVELS, Assessment, Conversation, SupportLevel, Worker, WorkerChange

LEVELS = tuple(SupportLevel.values)


def workers_of(enterprise_id: int, *, search: str = "", department: str = "", level: int | str | None = None,
               include_left: bool = True) -> QuerySet[Worker]:
    """The enterprise's workers, filtered; ``level`` "none": not assessed yet."""
    workers = Worker.objects.filter(enterprise_id=enterprise_id).select_related("led_by")
    if search:
        needle = search.strip()
        workers = workers.filter(Q(full_name__icontains=needle) | Q(phone__contains=needle)
                                 | Q(id_last4=needle) | Q(department__icontains=needle))
    if department:
        workers = workers.filter(department=department)
    if level == "none":
        workers = workers.filter(support_level__isnull=True)
    elif level:
        workers = workers.filter(support_level=int(level))
    if not include_left:
        workers = workers.exclude(employment_status="left")
    return workers


def worker_of(enterprise_id: int, worker_id: int) -> Worker | None:
    return Worker.objects.filter(enterprise_id=enterprise_id, pk=worker_id).select_related("led_by").first()


def departments_of(enterprise_id: int) -> list[str]:
    return list(Worker.objects.filter(enterprise_id=enterprise_id).exclude(department="")
                .order_by("department").values_list("department", flat=True).distinct())


def assessments_of(worker: Worker) -> QuerySet[Assessment]:
    return worker.assessments.select_related("assessed_by")


def history_of(worker: Worker) -> QuerySet[WorkerChange]:
    return worker.changes.select_related("actor")


def conversations_with(worker: Worker) -> QuerySet[Conversation]:
    return worker.conversations.select_related("officer").prefetch_related("issues")


def conversations_at(enterprise_id: int) -> QuerySet[Conversation]:
    return (Conversation.objects.filter(enterprise_id=enterprise_id).select_related("officer")
            .prefetch_related("issues", "workers"))


def workers_same_person(worker: Worker) -> QuerySet[Worker]:
    """The same person entered at other enterprises (same citizen-ID hash)."""
    if not worker.id_hash:
        return Worker.objects.none()
    return Worker.objects.filter(id_hash=worker.id_hash).exclude(pk=worker.pk).select_related("enterprise")


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class WallRow:
    department: str
    counts: tuple[int, ...]  # levels 1..5, then not assessed
    total: int
    leaders: int

    @property
    def percents(self) -> tuple[float | None, ...]:
        return tuple(_pct(n, self.total) for n in self.counts)

    @property
    def supportive(self) -> int:
        return self.counts[0] + self.counts[1]

    @property
    def supportive_pct(self) -> float | None:
        return _pct(self.supportive, self.total)

    @property
    def cells(self) -> tuple[tuple[int, float | None], ...]:
        return tuple(zip(self.counts, self.percents, strict=True))


@dataclass(frozen=True)
class WallChart:
    """Departments × support levels of an enterprise's workers (those who
    have not left), with leaders per department, and the share of the
    workforce at levels 1–2 — what an organiser checks before calling the
    congress. One query."""

    rows: tuple[WallRow, ...]
    total: WallRow
    workforce: int

    @property
    def supportive_of_workforce(self) -> float | None:
        return _pct(self.total.supportive, self.workforce)

    @property
    def level_labels(self) -> tuple[str, ...]:
        return (*[str(label) for label in SupportLevel.labels], _("Not assessed"))


def wall_chart(enterprise_id: int, *, workforce: int = 0) -> WallChart:
    grouped = (Worker.objects.filter(enterprise_id=enterprise_id).exclude(employment_status="left")
               .values("department", "support_level")
               .annotate(n=Count("id"), leaders=Count("id", filter=Q(is_leader=True)))
               .order_by())
    table: dict[str, list[int]] = {}
    leaders: dict[str, int] = {}
    for row in grouped:
        name = row["department"] or _("(no department)")
        counts = table.setdefault(name, [0] * (len(LEVELS) + 1))
        index = LEVELS.index(row["support_level"]) if row["support_level"] in LEVELS else len(LEVELS)
        counts[index] += row["n"]
        leaders[name] = leaders.get(name, 0) + row["leaders"]
    rows = tuple(WallRow(name, tuple(counts), sum(counts), leaders[name])
                 for name, counts in sorted(table.items(), key=lambda item: fold(item[0])))
    sums = tuple(sum(row.counts[i] for row in rows) for i in range(len(LEVELS) + 1))
    total = WallRow(_("All departments"), sums, sum(sums), sum(row.leaders for row in rows))
    return WallChart(rows=rows, total=total, workforce=workforce or total.total)


@dataclass(frozen=True)
class SupportShare:
    """The campaign header's figure: workers at levels 1–2 of the workforce."""

    supportive: int
    assessed: int
    entered: int
    workforce: int

    @property
    def percent(self) -> float | None:
        return _pct(self.supportive, self.workforce or self.entered)


def support_share(enterprise_id: int, *, workforce: int = 0) -> SupportShare:
    figures = Worker.objects.filter(enterprise_id=enterprise_id).exclude(employment_status="left").aggregate(
        supportive=Count("id", filter=Q(support_level__in=SUPPORTIVE_LEVELS)),
        assessed=Count("id", filter=Q(support_level__isnull=False)), entered=Count("id"))
    return SupportShare(workforce=workforce, **figures)
