"""The dashboard's table by unit: its cells prepared by the selector, grouped as the template would show them."""
from django.utils import translation

from workflows.campaigns.flows import Stage
from workflows.organisation.models import Unit
from workflows.statistics.engine import BranchFigures, Dashboard
from workflows.statistics.periods import Period
from workflows.statistics.selectors import STAGES, grouped, unit_rows


def test_a_row_is_its_stages_in_order_then_the_stalled_and_the_overdue_grouped_by_thousands():
    unit = Unit(name="Liên đoàn Lao động quận 1", path="00010001", depth=2)
    branch = BranchFigures(unit)
    branch.stages = {Stage.SURVEYED: 6500, Stage.RECOGNISED: 3}
    branch.stalled, branch.overdue_tasks = 1200, 0
    total = BranchFigures(unit)
    total.stages = {Stage.SURVEYED: 1_234_567}
    board = Dashboard(unit, Period.year(2026), None, [branch], total, {})

    for language in ("vi", "en"):  # both languages group by "." ("6.500"), as {{ n }} does
        with translation.override(language):
            rows, total_row = unit_rows(board)
            assert [r.figures for r in rows] == [branch]
            expected = ["0"] * len(STAGES)
            expected[STAGES.index(Stage.SURVEYED)] = "6.500"
            expected[STAGES.index(Stage.RECOGNISED)] = "3"
            assert rows[0].cells == (*expected, "1.200", "0")
            assert total_row.cells[STAGES.index(Stage.SURVEYED)] == "1.234.567"
            assert grouped(-7319) == "-7.319"
