"""The official reports (``layouts``) on screen, for a unit the user
oversees, a layout, a period and the programmes chosen (the query:
``report_files``). Their files (XLSX, PDF, CSV) are prepared by a job
from the page's buttons (``workflows.exports``, kinds ``report_*``)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from workflows.core import clock
from workflows.core.replica import reads_replica

from . import layouts, reports, targets
from .report_files import SPANS, report_for


@login_required
@require_GET
@reads_replica
def report_page(request):
    report = report_for(request.user, request.GET, today=clock.today(), on_screen=True)
    programmes = list(targets.programmes_for(report.unit))
    return render(request, "statistics/report.html", {
        "nav_active": "overview", "report": report, "table": report.table, "head": report.head,
        "layout_title": report.asked.layout.title,
        "body": report.body, "query": request.GET.urlencode(), "layouts": list(layouts.LAYOUTS.values()),
        "spans": [(span, span_label(span)) for span in SPANS],
        "programmes": programmes, "nation": reports.NATION, "motto": reports.MOTTO})


def span_label(span: str) -> str:
    return {"year": _("Whole year"), "h1": _("First half"), "h2": _("Second half"), "month": _("Month"),
            "first_months": _("First months of the year"), "range": _("From a day to a day"),
            "programme": _("A programme to a day")}[span]
