"""Moving the registry's summary table (``EnterpriseBand``), inside the
caller's transaction: the enterprise services and the import call
``enterprises_changed`` with what each enterprise was and is.

One statement per call (``workflows.core.counters.add``);
``workflows.statistics.reconcile`` recomputes the table from the registry and
reports any drift.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from workflows.core import counters

from .models import WORKFORCE_FLOORS, EnterpriseBand, WorkforceSource


def band_of(workforce: int) -> int:
    return max(floor for floor in WORKFORCE_FLOORS if floor <= max(workforce, 0))


@dataclass(frozen=True)
class EnterpriseFacts:
    """What of an enterprise the summary counts."""

    unit_id: int
    workforce: int
    from_social_insurance: bool
    has_union: bool

    @classmethod
    def of(cls, enterprise) -> EnterpriseFacts:
        return cls(enterprise.responsible_unit_id, enterprise.workforce,
                   enterprise.workforce_source == WorkforceSource.SOCIAL_INSURANCE, enterprise.has_union)


def enterprises_changed(changes: Iterable[tuple[EnterpriseFacts | None, EnterpriseFacts | None]]) -> None:
    """Apply (before, after) pairs: None before for a new enterprise."""
    deltas = counters.table()
    for before, after in changes:
        for facts, sign in ((before, -1), (after, +1)):
            if facts is None:
                continue
            row = deltas[(facts.unit_id, band_of(facts.workforce), facts.has_union)]
            row["enterprises"] += sign
            row["workforce"] += sign * facts.workforce
            row["workforce_social_insurance"] += sign * facts.workforce * facts.from_social_insurance
    counters.add(EnterpriseBand, ("unit", "band", "has_union"), deltas)


def enterprises_transferred(facts: Iterable[EnterpriseFacts], *, to_unit_id: int) -> None:
    """Enterprises (as they are: ``facts``) handed to another responsible
    unit: their rows move from their unit to ``to_unit_id``. The registry
    keeps no history: the figures go with the enterprises."""
    enterprises_changed((before, replace(before, unit_id=to_unit_id)) for before in facts)
