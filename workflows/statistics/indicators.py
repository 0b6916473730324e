"""Every indicator the product reports, defined once: what it counts, in
what unit, how a subtree's figure is made from its parts, and how
achievement against a target is computed. The dashboard, every report layout
and export (and the API) read figures through ``value`` and percentages
through ``achievement``/``ratio``; nothing computes a percentage elsewhere.

An indicator's value is read off a row of figures (``engine.BranchFigures``,
computed by ``engine`` for a subtree, a period and filters on the
enterprises); ``workforce_floor`` is the coverage's threshold.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from workflows.campaigns.flows import Stage

from .engine import STAGES, BranchFigures, percent_cut
from .models import EstimateKind, Metric


class Rollup:
    SUM = "sum"  # a subtree's figure is the sum of its parts
    RATIO = "ratio"  # a share: numerator and denominator are summed, then divided
    COUNT_AT_END = "count_at_end"  # a stock at the period's end: a unit's own count, or its parts' sum


class Kind:
    FLOW = "flow"  # what happened in the period
    STOCK = "stock"  # what is at the period's end


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str | Promise
    definition: str | Promise
    unit: str | Promise
    kind: str
    rollup: str
    value: Callable[[BranchFigures, int], int | Decimal]
    percent: bool = False
    targetable: bool = False
    #: the enterprise filters that apply to it (all do unless it counts no enterprises)
    filtered: bool = True

    def achievement(self, value: int | Decimal, target: TargetValue | None) -> Decimal | None:
        """``value`` against ``target``: percent of the target (of its lower
        bound for a range), cut to two decimals, 0 when the value is negative;
        None (an empty cell) without a target."""
        if target is None:
            return None
        return percent_cut(value, target.low)


@dataclass(frozen=True)
class TargetValue:
    low: int
    high: int | None = None  # a range's upper bound

    @property
    def is_range(self) -> bool:
        return self.high is not None and self.high != self.low

    def __str__(self) -> str:
        low = f"{self.low:,}".replace(",", ".")
        return f"{low}–{self.high:,}".replace(",", ".") if self.is_range else low


def _coverage(row: BranchFigures, floor: int) -> Decimal:
    with_union, everyone = row.coverage.get(floor, (0, 0))
    return percent_cut(with_union, everyone)


def _rate(row: BranchFigures, _floor: int) -> Decimal:
    # the workforce less what is not unionised: for each enterprise with a union, its members (at most its workforce)
    return percent_cut(row.workforce - row.not_unionised, row.workforce)


_INDICATORS = [
    Indicator(Metric.NEW_MEMBERS, _("New members"),
              _("Members admitted at the founding of grassroots unions recognised in the period (by the decision's "
                "date) plus members recruited in existing grassroots unions (by the day reported)."),
              _("members"), Kind.FLOW, Rollup.SUM, lambda r, f: r.new_members, targetable=True),
    Indicator("members_lost", _("Members lost"), _("Members who left, as the units reported them for the period."),
              _("members"), Kind.FLOW, Rollup.SUM, lambda r, f: r.members_lost),
    Indicator(Metric.NET_MEMBERS, _("Net increase"), _("New members less members lost (it may be negative; its "
                                                       "achievement is then 0%)."),
              _("members"), Kind.FLOW, Rollup.SUM, lambda r, f: r.net_members, targetable=True),
    Indicator(Metric.NEW_UNIONS, _("New grassroots unions"),
              _("Grassroots unions recognised in the period, by the decision's date."),
              _("grassroots unions"), Kind.FLOW, Rollup.SUM, lambda r, f: r.unions_founded, targetable=True),
    Indicator(Metric.UNION_MEMBERS, _("Members of grassroots unions"),
              _("At the period's end: the latest member count reported on or before it plus what was admitted, "
                "recruited and lost since; without a count, members admitted at recognition plus movements."),
              _("members"), Kind.STOCK, Rollup.COUNT_AT_END, lambda r, f: r.union_members, targetable=True),
    Indicator("workforce", _("Workforce of the enterprises"),
              _("Workers of the enterprises in the registry (the latest figure of each, with its source)."),
              _("workers"), Kind.STOCK, Rollup.SUM, lambda r, f: r.workforce),
    Indicator("not_unionised", _("Workforce not yet unionised"),
              _("Workers of enterprises without a grassroots union, plus for each enterprise that has one its "
                "workforce less the union's members (not below 0)."),
              _("workers"), Kind.STOCK, Rollup.SUM, lambda r, f: r.not_unionised),
    Indicator("unionisation_rate", _("Unionisation rate (%)"),
              _("Members of the enterprises' grassroots unions (each at most its enterprise's workforce) out of "
                "the whole workforce of the enterprises."),
              "%", Kind.STOCK, Rollup.RATIO, _rate, percent=True),
    Indicator("enterprises", _("Enterprises"), _("Enterprises in the registry."), _("enterprises"), Kind.STOCK,
              Rollup.SUM, lambda r, f: r.enterprises),
    Indicator("enterprises_at_floor", _("Enterprises with at least N workers"),
              _("Enterprises in the registry with at least N workers (the coverage's denominator)."),
              _("enterprises"), Kind.STOCK, Rollup.SUM, lambda r, f: r.coverage.get(f, (0, 0))[1]),
    Indicator("unionised_at_floor", _("Enterprises with at least N workers that have a grassroots union"),
              _("Of the enterprises with at least N workers, those that have a grassroots union (the coverage's "
                "numerator)."),
              _("enterprises"), Kind.STOCK, Rollup.SUM, lambda r, f: r.coverage.get(f, (0, 0))[0]),
    Indicator(Metric.COVERAGE, _("Coverage (%)"),
              _("Enterprises with at least N workers that have a grassroots union, out of all enterprises with at "
                "least N workers (optionally only those paying social insurance)."),
              "%", Kind.STOCK, Rollup.RATIO, _coverage, percent=True, targetable=True),
    Indicator(EstimateKind.WORKFORCE_INCREASE, _("Expected workforce increase"),
              _("What the unit expects the workforce to grow by next year, as it estimated it (or the sum of its "
                "child units' estimates)."),
              _("workers"), Kind.STOCK, Rollup.COUNT_AT_END,
              lambda r, f: r.estimates.get(EstimateKind.WORKFORCE_INCREASE, 0), filtered=False),
    Indicator("unions_launched", _("New grassroots unions that held their launch"),
              _("Of the grassroots unions recognised in the period, those whose launch was held by its end."),
              _("grassroots unions"), Kind.FLOW, Rollup.SUM, lambda r, f: r.unions_launched),
    Indicator("unions_dues_in_time", _("New grassroots unions collecting dues in time"),
              _("Of the grassroots unions recognised in the period, those that remitted their first dues within the "
                "rule set's months after recognition (6 by default), by the period's end."),
              _("grassroots unions"), Kind.FLOW, Rollup.SUM, lambda r, f: r.unions_dues_in_time),
    Indicator("unions_agreement_in_year", _("New grassroots unions with a collective agreement in their first year"),
              _("Of the grassroots unions recognised in the period, those that negotiated or signed a collective "
                "agreement within their follow-up (12 months by default), by the period's end."),
              _("grassroots unions"), Kind.FLOW, Rollup.SUM, lambda r, f: r.unions_agreement_in_year),
    Indicator("unions_standing_in_year", _("New grassroots unions standing on their own in their first year"),
              _("Of the grassroots unions recognised in the period, those whose core milestones were all done "
                "within their follow-up (12 months by default), by the period's end."),
              _("grassroots unions"), Kind.FLOW, Rollup.SUM, lambda r, f: r.unions_standing_in_year),
    Indicator("unions_failed", _("New grassroots unions failed"),
              _("New grassroots unions recorded as failed or dissolved in their first year, by the day it was "
                "recorded as happening in the period."),
              _("grassroots unions"), Kind.FLOW, Rollup.SUM, lambda r, f: r.unions_failed),
    Indicator("abandoned", _("Campaigns abandoned"), _("Campaigns closed without a union in the period."),
              _("campaigns"), Kind.FLOW, Rollup.SUM, lambda r, f: r.abandoned),
    Indicator("stalled", _("Stalled campaigns"),
              _("Open campaigns longer in their stage than the rule set allows."), _("campaigns"), Kind.STOCK,
              Rollup.SUM, lambda r, f: r.stalled),
    Indicator("overdue_tasks", _("Overdue tasks"), _("Open tasks past their due date."), _("tasks"), Kind.STOCK,
              Rollup.SUM, lambda r, f: r.overdue_tasks),
    *[Indicator(f"stage_{stage}", Stage(stage).label, _("Campaigns at this stage at the period's end."),
                _("campaigns"), Kind.STOCK, Rollup.SUM, (lambda s: lambda r, f: r.stages.get(s, 0))(stage))
      for stage in STAGES],
]

REGISTRY: dict[str, Indicator] = {indicator.code: indicator for indicator in _INDICATORS}


def get(code: str) -> Indicator:
    return REGISTRY[code]


def value(code: str, row: BranchFigures, *, workforce_floor: int = 25) -> int | Decimal:
    return REGISTRY[code].value(row, workforce_floor)


def achievement(code: str, row: BranchFigures, target: TargetValue | None, *, workforce_floor: int = 25
                ) -> Decimal | None:
    return REGISTRY[code].achievement(value(code, row, workforce_floor=workforce_floor), target)


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """A share in percent, as every page prints it (cut, 0 when negative)."""
    return percent_cut(part, whole)


TARGETABLE = [indicator for indicator in _INDICATORS if indicator.targetable]
