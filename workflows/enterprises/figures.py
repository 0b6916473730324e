"""Moving the registry's summary table (``EnterpriseBand``), inside the
caller's transaction: the enterprise services and the import call
``enterprises_changed`` with what each enterprise was and is.

One statement per call (``workflows.core.counters.add``);
``workflows.statistics.reconcile`` recomputes the table from the registry and
reports any drift.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from workflows.core import counters

from .models import WORKFORCE_FLOORS, EnterpriseBand, WorkforceSource

#: The summary's key: an enterprise's unit, workforce band, union status and
#: the dimensions figures and targets are asked by (ownership sector, workforce
#: known from social insurance — taken as paying it —, industrial zone).
KEY = ("unit", "band", "has_union", "sector", "social_insurance", "zone")


def band_of(workforce: int) -> int:
    return max(floor for floor in WORKFORCE_FLOORS if floor <= max(workforce, 0))


@dataclass(frozen=True)
class EnterpriseFacts:
    """What of an enterprise the summary counts."""

    unit_id: int
    workforce: int
    from_social_insurance: bool
    has_union: bool
    sector: str = ""
    zone: str = ""

    @classmethod
    def of(cls, enterprise) -> EnterpriseFacts:
        return cls(enterprise.responsible_unit_id, enterprise.workforce,
                   enterprise.workforce_source == WorkforceSource.SOCIAL_INSURANCE, enterprise.has_union,
                   enterprise.ownership_sector, enterprise.industrial_zone)

    @classmethod
    def of_values(cls, unit_id: int, workforce: int, source: str, has_union: bool, sector: str,
                  zone: str) -> EnterpriseFacts:
        return cls(unit_id, workforce, source == WorkforceSource.SOCIAL_INSURANCE, has_union, sector, zone)

    #: The enterprise fields ``of_values`` takes after the unit, for ``values_list``.
    FIELDS = ("workforce", "workforce_source", "has_union", "ownership_sector", "industrial_zone")


def enterprises_changed(changes: Iterable[tuple[EnterpriseFacts | None, EnterpriseFacts | None]], *,
                        add: Callable[[type, tuple[str, ...], dict], None] = counters.add) -> None:
    """Apply (before, after) pairs: None before for a new enterprise.
    ``add``: where the deltas go (``counters.add``'s signature), at once by
    default; a campaign's move gives its batch of summary figures, written
    in its one statement."""
    deltas = counters.table()
    for before, after in changes:
        for facts, sign in ((before, -1), (after, +1)):
            if facts is None:
                continue
            row = deltas[(facts.unit_id, band_of(facts.workforce), facts.has_union, facts.sector,
                          facts.from_social_insurance, facts.zone)]
            row["enterprises"] += sign
            row["workforce"] += sign * facts.workforce
            row["workforce_social_insurance"] += sign * facts.workforce * facts.from_social_insurance
    add(EnterpriseBand, KEY, deltas)


def enterprises_transferred(facts: Iterable[EnterpriseFacts], *, to_unit_id: int) -> None:
    """Enterprises (as they are: ``facts``) handed to another responsible
    unit: their rows move from their unit to ``to_unit_id``. The registry
    keeps no history: the figures go with the enterprises."""
    enterprises_changed((before, replace(before, unit_id=to_unit_id)) for before in facts)
